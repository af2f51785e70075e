import { parseWebSocketUrl } from './client-request.js';
import type { DialOptions } from './dial.js';
import { HandshakeError } from './errors.js';
import { formatExtensions, isTokenString } from './header-values.js';
import type { ResponseHeaderList } from './extended-connect.js';

/** An RFC 8441 request to send on a new HTTP/2 stream, and the origin whose session carries it. */
export interface ConnectTarget {
  /** `https://host:port` or `http://host:port` (h2c): the session to open or reuse. */
  origin: string;
  secure: boolean;
  /** The request headers, pseudo-headers first. */
  headers: ResponseHeaderList;
}

const OWN = new Set([
  'host', 'upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions',
]);

/**
 * Checks a ws:// or wss:// URL and dial options and builds the extended
 * CONNECT headers (`:protocol websocket`, `sec-websocket-version: 13`, the
 * offered subprotocols and extensions). wss:// maps to an https session,
 * ws:// to cleartext h2c. Throws HandshakeError (`ERR_INVALID_URL`,
 * `ERR_INVALID_OPTION`).
 */
export function connectRequest(input: string | URL, o: DialOptions): ConnectTarget {
  const { url, secure } = parseWebSocketUrl(input);
  const scheme = secure ? 'https' : 'http';
  const headers: ResponseHeaderList = {
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': scheme,
    ':path': `${url.pathname || '/'}${url.search}`,
    ':authority': url.host,
    'sec-websocket-version': '13',
  };
  if (o.headers !== undefined) {
    for (const name of Object.keys(o.headers)) {
      const lower = name.toLowerCase();
      if (OWN.has(lower) || lower.startsWith(':')) throw new HandshakeError('ERR_INVALID_OPTION', `Header ${name} is set by the handshake itself`);
      headers[lower] = o.headers[name];
    }
  }
  if (o.origin !== undefined) headers.origin = o.origin;
  if (url.username !== '' || url.password !== '') {
    const auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
  }
  if (o.protocols !== undefined && o.protocols.length > 0) {
    if (new Set(o.protocols).size !== o.protocols.length || !o.protocols.every(isTokenString)) {
      throw new HandshakeError('ERR_INVALID_OPTION', `Invalid or repeated subprotocol in ${JSON.stringify(o.protocols)}`);
    }
    headers['sec-websocket-protocol'] = o.protocols.join(', ');
  }
  if (o.extensions !== undefined && o.extensions.length > 0) headers['sec-websocket-extensions'] = formatExtensions(o.extensions);
  const port = url.port !== '' ? url.port : secure ? '443' : '80';
  return { origin: `${scheme}://${url.hostname}:${port}`, secure, headers };
}

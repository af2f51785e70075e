import { generateKey } from './accept-key.js';
import type { DialOptions } from './dial.js';
import { HandshakeError } from './errors.js';
import { formatExtensions, isTokenString } from './header-values.js';
import { renderHeaders } from './response.js';

/** Where to connect and what to send. */
export interface DialTarget {
  host: string;
  port: number;
  secure: boolean;
  /** The complete request head. */
  text: string;
  /** Its Sec-WebSocket-Key. */
  key: string;
}

const OWN = new Set(['upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions']);

/**
 * Checks a dial URL and options and renders the upgrade request. Throws
 * HandshakeError (`ERR_INVALID_URL`, `ERR_INVALID_OPTION`); a TypeError from
 * header rendering means a header name or value that cannot be sent.
 */
export function buildRequest(input: string | URL, o: DialOptions): DialTarget {
  const { url, secure } = parseWebSocketUrl(input);
  const key = generateKey();
  const extra: Record<string, string> = {};
  let host = url.host;
  if (o.headers !== undefined) {
    for (const name of Object.keys(o.headers)) {
      const lower = name.toLowerCase();
      if (OWN.has(lower)) throw new HandshakeError('ERR_INVALID_OPTION', `Header ${name} is set by the handshake itself`);
      if (lower === 'host') host = o.headers[name];
      else extra[name] = o.headers[name];
    }
  }
  if (o.origin !== undefined) extra.Origin = o.origin;
  if (url.username !== '' || url.password !== '') {
    const auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    extra.Authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
  }
  if (o.protocols !== undefined && o.protocols.length > 0) {
    const seen = new Set<string>();
    for (const p of o.protocols) {
      if (!isTokenString(p) || seen.has(p)) throw new HandshakeError('ERR_INVALID_OPTION', `Invalid or repeated subprotocol ${JSON.stringify(p)}`);
      seen.add(p);
    }
    extra['Sec-WebSocket-Protocol'] = o.protocols.join(', ');
  }
  if (o.extensions !== undefined && o.extensions.length > 0) extra['Sec-WebSocket-Extensions'] = formatExtensions(o.extensions);
  const headers = renderHeaders({ Host: host, ...extra }).toString('latin1');
  const text =
    `GET ${url.pathname || '/'}${url.search} HTTP/1.1\r\n${headers}` +
    `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port !== '' ? Number(url.port) : secure ? 443 : 80;
  return { host: hostname, port, secure, text, key };
}

/** Parses a ws://, wss:// (or http://, https://) URL; throws HandshakeError `ERR_INVALID_URL` for anything else or a fragment. */
export function parseWebSocketUrl(input: string | URL): { url: URL; secure: boolean } {
  let url: URL;
  try {
    url = new URL(input);
  } catch (err) {
    throw new HandshakeError('ERR_INVALID_URL', `Invalid URL: ${String(input)}`, { cause: err });
  }
  const secure = url.protocol === 'wss:' || url.protocol === 'https:';
  if (!secure && url.protocol !== 'ws:' && url.protocol !== 'http:') {
    throw new HandshakeError('ERR_INVALID_URL', `Unsupported URL scheme ${url.protocol} (use ws: or wss:)`);
  }
  if (url.hash !== '') throw new HandshakeError('ERR_INVALID_URL', 'A WebSocket URL must not have a fragment');
  return { url, secure };
}

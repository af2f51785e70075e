import { UpgradeError, HeaderParseError } from './errors.js';
import { parseExtensions, parseProtocols, type ExtensionOffer } from './header-values.js';
import { beforeUpgrade, Failure, fromThrown, negotiate } from './negotiate.js';
import type { UpgradeOptions } from './options.js';
import { headerBytes, rejectionStatus, type OutgoingHeaders } from './response.js';

/**
 * Options of `answerConnect`: the hooks and policy of `upgrade`. The byte
 * limits do not apply (HTTP/2 bounds header lists itself); `timeoutMs` is the
 * caller's to enforce, since only it holds the stream.
 */
export type ExtendedConnectOptions = Omit<UpgradeOptions, 'maxRequestBytes' | 'maxHeaders' | 'plainHttp'>;

/** The request headers of an HTTP/2 stream as node:http2 gives them: lowercase names, pseudo-headers included. */
export type RequestHeaderList = Readonly<Record<string, string | string[] | undefined>>;

/** Response headers for an HTTP/2 stream: `:status` and lowercase names. */
export type ResponseHeaderList = Record<string, string | number | string[]>;

/** How to answer an RFC 8441 extended CONNECT: accepted (status 200) or refused. */
export type ConnectAnswer =
  | { ok: true; headers: ResponseHeaderList; protocol: string | null; extensions: ExtensionOffer[] }
  | { ok: false; headers: ResponseHeaderList; reason: string; error: UpgradeError };

const OWN_HEADERS = new Set(['sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions', 'sec-websocket-key']);
// RFC 9113 §8.2.2: connection-specific fields are malformed in HTTP/2, so they are never sent
const CONNECTION_SPECIFIC = new Set(['connection', 'upgrade', 'keep-alive', 'proxy-connection', 'transfer-encoding']);

/**
 * The server side of RFC 8441 (WebSockets over HTTP/2) without the stream:
 * checks an extended CONNECT request (`:method CONNECT`, `:protocol
 * websocket`, `sec-websocket-version: 13`), calls the same hooks as
 * `upgrade` (`onRequest` with `:path`, `onHost` with `:authority`, `onHeader`
 * for the rest), negotiates subprotocol and extensions, runs
 * `onBeforeUpgrade`, and says what to answer. Never rejects.
 *
 * Refusals: 405 for another method, 400 for a missing `:protocol` or
 * pseudo-header and for a bad version or header value (with
 * `sec-websocket-version: 13`), 501 for a `:protocol` other than websocket,
 * or whatever a hook's RejectError says.
 */
export function answerConnect(headers: RequestHeaderList, options: ExtendedConnectOptions = {}): Promise<ConnectAnswer> {
  let parsed: Failure | { protocols: string[] | null; offers: ExtensionOffer[] | null };
  try {
    parsed = check(headers, options);
  } catch (err) {
    parsed = fromThrown(err);
  }
  if (parsed instanceof Failure) return Promise.resolve(refusal(parsed));
  const n = negotiate(parsed.protocols, parsed.offers, options);
  if (n instanceof Failure) return Promise.resolve(refusal(n));
  return Promise.resolve(beforeUpgrade(options)).then((before) => {
    if (before instanceof Failure) return refusal(before);
    const out: ResponseHeaderList = { ':status': 200 };
    try {
      addHeaders(out, options.headers);
      addHeaders(out, before?.headers);
    } catch (err) {
      return refusal(new Failure('ERR_INVALID_HEADERS', 500, 'Internal Server Error', undefined, err));
    }
    if (n.protocol !== null) out['sec-websocket-protocol'] = n.protocol;
    if (n.extensionsHeader.length > 0) out['sec-websocket-extensions'] = n.extensionsHeader;
    return { ok: true, headers: out, protocol: n.protocol, extensions: n.extensions.length === 0 ? [] : n.extensions };
  });
}

function check(h: RequestHeaderList, o: ExtendedConnectOptions): Failure | { protocols: string[] | null; offers: ExtensionOffer[] | null } {
  if (h[':method'] !== 'CONNECT') return new Failure('ERR_METHOD', 405, 'WebSockets over HTTP/2 use the CONNECT method', { allow: 'CONNECT' });
  const protocol = one(h[':protocol']);
  if (protocol === undefined) return malformed('Missing :protocol (extended CONNECT required)');
  if (protocol.toLowerCase() !== 'websocket') return new Failure('ERR_PROTOCOL', 501, `Unsupported :protocol ${protocol}`);
  const path = one(h[':path']);
  const authority = one(h[':authority']);
  if (path === undefined || path === '' || one(h[':scheme']) === undefined) return malformed('Missing :path or :scheme');
  if (authority === undefined) return malformed('Missing :authority');
  if (o.onRequest !== undefined) o.onRequest(Buffer.from(path, 'latin1'));
  if (o.onHost !== undefined) o.onHost(Buffer.from(authority, 'latin1'));
  if (o.onHeader !== undefined) {
    for (const name of Object.keys(h)) {
      if (name.charCodeAt(0) === 0x3a || OWN_HEADERS.has(name)) continue;
      const v = h[name];
      if (v === undefined) continue;
      for (const value of Array.isArray(v) ? v : [v]) o.onHeader(Buffer.from(name, 'latin1'), Buffer.from(value, 'latin1'));
    }
  }
  const version = one(h['sec-websocket-version']);
  if (version !== '13') {
    return new Failure('ERR_VERSION', 400, version === undefined ? 'Missing sec-websocket-version' : 'Unsupported WebSocket version', {
      'sec-websocket-version': '13',
    });
  }
  let protocols: string[] | null = null;
  let offers: ExtensionOffer[] | null = null;
  const p = h['sec-websocket-protocol'];
  if (p !== undefined && o.selectProtocol !== undefined) {
    try {
      protocols = parseProtocols(Array.isArray(p) ? p.join(', ') : p);
    } catch (e) {
      return malformed(`Invalid sec-websocket-protocol: ${(e as HeaderParseError).message}`);
    }
  }
  const x = h['sec-websocket-extensions'];
  if (x !== undefined && o.negotiateExtensions !== undefined) {
    try {
      offers = parseExtensions(Array.isArray(x) ? x.join(', ') : x, 'drop');
    } catch (e) {
      return malformed(`Invalid sec-websocket-extensions: ${(e as HeaderParseError).message}`);
    }
  }
  return { protocols, offers };
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function malformed(reason: string): Failure {
  return new Failure('ERR_MALFORMED', 400, reason);
}

function refusal(f: Failure): ConnectAnswer {
  let status = rejectionStatus(f.status);
  const headers: ResponseHeaderList = { ':status': status };
  try {
    addHeaders(headers, f.headers);
  } catch {
    status = 500;
  }
  headers[':status'] = status;
  headers['content-type'] = 'text/plain; charset=utf-8';
  const reason = status === f.status ? f.reason : 'Internal Server Error';
  const message = reason || `Handshake refused with ${status}`;
  return { ok: false, headers, reason, error: new UpgradeError(f.code, status, message, { responded: true, cause: f.cause }) };
}

/** Adds headers given as a record or as pre-rendered `Name: value\r\n` bytes, names lowercased, connection-specific ones left out. */
function addHeaders(out: ResponseHeaderList, headers: OutgoingHeaders | undefined): void {
  if (headers === undefined) return;
  const text = headerBytes(headers).toString('latin1');
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    if (CONNECTION_SPECIFIC.has(name)) continue;
    const value = line.slice(colon + 1).trim();
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [String(prev), value];
  }
}

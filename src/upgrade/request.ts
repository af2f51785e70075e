import { isValidKeyBytes } from './accept-key.js';
import { HeaderParseError } from './errors.js';
import { parseExtensions, parseProtocols, type ExtensionOffer } from './header-values.js';
import { ascii, equalsLower, hasListToken, lineEnd, parseField, TCHAR, trimCR, type FieldSpan } from './http-bytes.js';
import { Failure, fromThrown } from './negotiate.js';
import { DEFAULT_MAX_HEADERS, type UpgradeOptions } from './options.js';

const H_HOST = ascii('host');
const H_UPGRADE = ascii('upgrade');
const H_CONNECTION = ascii('connection');
const H_KEY = ascii('sec-websocket-key');
const H_VERSION = ascii('sec-websocket-version');
const H_PROTOCOL = ascii('sec-websocket-protocol');
const H_EXTENSIONS = ascii('sec-websocket-extensions');
const V_WEBSOCKET = ascii('websocket');
const V_UPGRADE = ascii('upgrade');

const VERSION_13 = Buffer.from('Sec-WebSocket-Version: 13\r\n', 'latin1');
const UPGRADE_REQUIRED = Buffer.from('Upgrade: websocket\r\nConnection: Upgrade\r\n', 'latin1');
const ALLOW_GET = Buffer.from('Allow: GET\r\n', 'latin1');

const SP = 0x20;
const HTAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;

/** What the request parser learned about a valid upgrade request. */
export interface ParsedRequest {
  keyStart: number;
  protocols: string[] | null;
  offers: ExtensionOffer[] | null;
}

/** The parser's verdict on a complete request without an Upgrade header. */
export const PLAIN_HTTP = Symbol('plain-http');

const malformed = (reason: string): Failure => new Failure('ERR_MALFORMED', 400, reason);

/**
 * Parses the request head in `buf[0, end)` (end is just past the empty line)
 * in place, calling the user's hooks with views into `buf` as it goes, and
 * validates it as a WebSocket upgrade (RFC 6455 §4.2.1).
 *
 * Hooks stop being called once the request is known to fail. Order of
 * verdicts: syntax and limits first, then a hook's rejection, then plain HTTP
 * (no Upgrade header), then HTTP version, method and the handshake headers.
 */
export function parseRequest(buf: Buffer, end: number, options: UpgradeOptions, out: ParsedRequest): Failure | typeof PLAIN_HTTP | null {
  let pos = 0;
  while (pos < end && (buf[pos] === CR || buf[pos] === LF)) pos++;

  let lf = lineEnd(buf, pos, end);
  let le = trimCR(buf, pos, lf);
  // request-line = method SP request-target SP HTTP-version
  let i = pos;
  while (i < le && TCHAR[buf[i]] === 1) i++;
  if (i === pos || i >= le || buf[i] !== SP) return malformed('Malformed request line');
  const isGet = i - pos === 3 && buf[pos] === 0x47 && buf[pos + 1] === 0x45 && buf[pos + 2] === 0x54;
  const targetStart = ++i;
  while (i < le && buf[i] > SP && buf[i] !== 0x7f) i++;
  const targetEnd = i;
  if (targetEnd === targetStart || i >= le || buf[i] !== SP) return malformed('Malformed request line');
  i++;
  if (
    le - i !== 8 || buf[i] !== 0x48 || buf[i + 1] !== 0x54 || buf[i + 2] !== 0x54 || buf[i + 3] !== 0x50 ||
    buf[i + 4] !== 0x2f || !isDigit(buf[i + 5]) || buf[i + 6] !== 0x2e || !isDigit(buf[i + 7])
  ) {
    return malformed('Malformed request line');
  }
  if (buf[i + 5] !== 0x31) return new Failure('ERR_HTTP_VERSION', 505, 'HTTP/1.1 required');

  // `err`: the first verdict that lets parsing go on (hooks stop once it is set)
  let err: Failure | null = null;
  if (buf[i + 7] === 0x30) err = new Failure('ERR_HTTP_VERSION', 505, 'HTTP/1.1 required');
  else if (!isGet) err = new Failure('ERR_METHOD', 405, 'Method must be GET', ALLOW_GET);
  else if (options.onRequest !== undefined) err = callHook(options, options.onRequest, buf.subarray(targetStart, targetEnd));

  const f: FieldSpan = { nameEnd: 0, valueStart: 0, valueEnd: 0 };
  const maxHeaders = options.maxHeaders ?? DEFAULT_MAX_HEADERS;
  let count = 0;
  let seenHost = false;
  let seenUpgrade = false;
  let upgradeOk = false;
  let connectionOk = false;
  let seenVersion = false;
  let keyStart = -1;
  let protocols: string[] | null = null;
  let offers: ExtensionOffer[] | null = null;

  for (pos = lf + 1; pos < end; pos = lf + 1) {
    lf = lineEnd(buf, pos, end);
    le = trimCR(buf, pos, lf);
    if (le === pos) break;
    if (buf[pos] === SP || buf[pos] === HTAB) return malformed('Obsolete header line folding');
    if (!parseField(buf, pos, le, f)) return malformed('Malformed header');
    if (++count > maxHeaders) return new Failure('ERR_TOO_MANY_HEADERS', 431, 'Too many headers');
    const nameLen = f.nameEnd - pos;
    const vs = f.valueStart;
    const ve = f.valueEnd;
    if (nameLen === 4 && equalsLower(buf, pos, f.nameEnd, H_HOST)) {
      if (seenHost) return malformed('Duplicate Host header');
      seenHost = true;
      if (err === null && options.onHost !== undefined) err = callHook(options, options.onHost, buf.subarray(vs, ve));
    } else if (nameLen === 7 && equalsLower(buf, pos, f.nameEnd, H_UPGRADE)) {
      seenUpgrade = true;
      if (!upgradeOk) upgradeOk = hasListToken(buf, vs, ve, V_WEBSOCKET);
    } else if (nameLen === 10 && equalsLower(buf, pos, f.nameEnd, H_CONNECTION)) {
      if (!connectionOk) connectionOk = hasListToken(buf, vs, ve, V_UPGRADE);
    } else if (nameLen === 17 && equalsLower(buf, pos, f.nameEnd, H_KEY)) {
      if (keyStart !== -1) return malformed('Duplicate Sec-WebSocket-Key header');
      if (!isValidKeyBytes(buf, vs, ve)) err ??= malformed('Invalid Sec-WebSocket-Key');
      keyStart = vs;
    } else if (nameLen === 21 && equalsLower(buf, pos, f.nameEnd, H_VERSION)) {
      if (seenVersion) return malformed('Duplicate Sec-WebSocket-Version header');
      seenVersion = true;
      if (ve - vs !== 2 || buf[vs] !== 0x31 || buf[vs + 1] !== 0x33) {
        err ??= new Failure('ERR_VERSION', 426, 'Unsupported WebSocket version', VERSION_13);
      }
    } else if (nameLen === 22 && equalsLower(buf, pos, f.nameEnd, H_PROTOCOL)) {
      if (options.selectProtocol !== undefined && err === null) {
        try {
          protocols = parseProtocols(buf.toString('latin1', vs, ve), protocols ?? []);
        } catch (e) {
          err = malformed(e instanceof HeaderParseError ? `Invalid Sec-WebSocket-Protocol: ${e.message}` : 'Invalid Sec-WebSocket-Protocol');
        }
      }
    } else if (nameLen === 24 && equalsLower(buf, pos, f.nameEnd, H_EXTENSIONS)) {
      if (options.negotiateExtensions !== undefined && err === null) {
        try {
          offers = parseExtensions(buf.toString('latin1', vs, ve), 'drop', offers ?? []);
        } catch (e) {
          err = malformed(e instanceof HeaderParseError ? `Invalid Sec-WebSocket-Extensions: ${e.message}` : 'Invalid Sec-WebSocket-Extensions');
        }
      }
    } else if (err === null && options.onHeader !== undefined) {
      err = callHook2(options, options.onHeader, buf.subarray(pos, f.nameEnd), buf.subarray(vs, ve));
    }
  }

  if (err !== null && (err.code === 'ERR_REJECTED' || err.code === 'ERR_HOOK_FAILED')) return err;
  if (!seenUpgrade) return PLAIN_HTTP;
  if (err !== null) return err;
  if (!seenHost) return malformed('Missing Host header');
  if (!upgradeOk) return malformed('Upgrade header must be websocket');
  if (!connectionOk) return malformed('Connection header must include Upgrade');
  if (!seenVersion) return new Failure('ERR_VERSION', 426, 'Missing Sec-WebSocket-Version', VERSION_13);
  if (keyStart === -1) return malformed('Missing Sec-WebSocket-Key');
  out.keyStart = keyStart;
  out.protocols = protocols;
  out.offers = offers;
  return null;
}

/** The 426 answered to plain HTTP requests. */
export const plainHttpFailure = (): Failure =>
  new Failure('ERR_PLAIN_HTTP', 426, 'This service requires a WebSocket upgrade', UPGRADE_REQUIRED);

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

function callHook(self: UpgradeOptions, hook: (b: Buffer) => void, b: Buffer): Failure | null {
  try {
    hook.call(self, b);
    return null;
  } catch (e) {
    return fromThrown(e);
  }
}

function callHook2(self: UpgradeOptions, hook: (a: Buffer, b: Buffer) => void, a: Buffer, b: Buffer): Failure | null {
  try {
    hook.call(self, a, b);
    return null;
  } catch (e) {
    return fromThrown(e);
  }
}

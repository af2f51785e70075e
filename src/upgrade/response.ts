import { STATUS_CODES } from 'node:http';
import { writeAccept } from './accept-sha1.js';
import { TCHAR, VCHAR_OR_WS } from './http-bytes.js';

/**
 * Extra response headers: either a record (validated and rendered per
 * response) or pre-rendered bytes of `Name: value\r\n` lines, written as they
 * are, which is the cheapest way to add the same headers to every response
 * (see `renderHeaders`).
 */
export type OutgoingHeaders = Buffer | Readonly<Record<string, string | number | readonly string[]>>;

const CRLF = Buffer.from('\r\n', 'latin1');
const SWITCHING = Buffer.from(
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ',
  'latin1',
);
const PROTOCOL = 'Sec-WebSocket-Protocol: ';
const EXTENSIONS = 'Sec-WebSocket-Extensions: ';
const EMPTY = Buffer.alloc(0);

function isFieldName(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TCHAR[c] === 0) return false;
  }
  return true;
}

function isFieldValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || VCHAR_OR_WS[c] === 0) return false;
  }
  return true;
}

/**
 * Renders headers as `Name: value\r\n` bytes once, for reuse in many responses.
 * Throws TypeError for a name that is not a token or a value holding CR, LF or
 * other control bytes (header injection).
 */
export function renderHeaders(headers: Readonly<Record<string, string | number | readonly string[]>>): Buffer {
  let text = '';
  for (const name of Object.keys(headers)) {
    const raw = headers[name];
    const values: readonly (string | number)[] = typeof raw === 'string' || typeof raw === 'number' ? [raw] : raw;
    if (!isFieldName(name)) throw new TypeError(`Invalid header name: ${JSON.stringify(name)}`);
    for (const v of values) {
      const value = String(v);
      if (!isFieldValue(value)) throw new TypeError(`Invalid value for header ${name}: ${JSON.stringify(value)}`);
      text += `${name}: ${value}\r\n`;
    }
  }
  return Buffer.from(text, 'latin1');
}

/** Headers as bytes; a Buffer is taken as already rendered. */
export function headerBytes(headers: OutgoingHeaders | undefined): Buffer {
  if (headers === undefined) return EMPTY;
  return Buffer.isBuffer(headers) ? headers : renderHeaders(headers);
}

/**
 * The complete 101 response, in one buffer sized up front: status line,
 * Upgrade, Connection, Sec-WebSocket-Accept computed from the 24 key bytes at
 * `key[keyStart]`, the chosen subprotocol and extensions (already validated
 * tokens), then `extra` header bytes.
 */
export function switchingProtocols(
  key: Uint8Array,
  keyStart: number,
  protocol: string | null,
  extensions: string,
  extra1: Buffer,
  extra2: Buffer,
): Buffer {
  let size = SWITCHING.length + 28 + 2 + extra1.length + extra2.length + 2;
  if (protocol !== null) size += PROTOCOL.length + protocol.length + 2;
  if (extensions.length > 0) size += EXTENSIONS.length + extensions.length + 2;
  const out = Buffer.allocUnsafe(size);
  let o = SWITCHING.copy(out, 0);
  writeAccept(key, keyStart, out, o);
  o += 28;
  out[o++] = 0x0d;
  out[o++] = 0x0a;
  if (protocol !== null) o = writeLine(out, o, PROTOCOL, protocol);
  if (extensions.length > 0) o = writeLine(out, o, EXTENSIONS, extensions);
  o += extra1.copy(out, o);
  o += extra2.copy(out, o);
  CRLF.copy(out, o);
  return out;
}

function writeLine(out: Buffer, o: number, name: string, value: string): number {
  o += out.write(name, o, 'latin1');
  o += out.write(value, o, 'latin1');
  out[o++] = 0x0d;
  out[o++] = 0x0a;
  return o;
}

/** A valid status for a rejection: an integer in 400..599 (anything else becomes 500). */
export function rejectionStatus(status: number): number {
  return Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
}

/**
 * An HTTP error response that closes the connection, with `reason` as a
 * plain-text body.
 */
export function errorResponse(status: number, reason: string, extra: Buffer): Buffer {
  const body = Buffer.from(reason, 'utf8');
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    `Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n`;
  const out = Buffer.allocUnsafe(head.length + extra.length + 2 + body.length);
  let o = out.write(head, 0, 'latin1');
  o += extra.copy(out, o);
  out[o++] = 0x0d;
  out[o++] = 0x0a;
  body.copy(out, o);
  return out;
}

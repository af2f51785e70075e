import { lineEnd, parseField, trimCR, type FieldSpan } from './http-bytes.js';

/** A parsed HTTP response head (client side). */
export interface ResponseHead {
  status: number;
  /** Lowercased names; repeated headers joined with ", ". Null prototype. */
  headers: Record<string, string>;
}

/**
 * Parses the response head in `buf[0, end)`: status line and headers.
 * Returns null when it is not a well-formed HTTP/1.x response.
 */
export function parseResponseHead(buf: Buffer, end: number): ResponseHead | null {
  let lf = lineEnd(buf, 0, end);
  const le = trimCR(buf, 0, lf);
  // "HTTP/1.1 101 Switching Protocols"; the reason phrase may be empty
  if (le < 12 || buf.toString('latin1', 0, 7) !== 'HTTP/1.' || !isDigit(buf[7]) || buf[8] !== 0x20) return null;
  if (!isDigit(buf[9]) || !isDigit(buf[10]) || !isDigit(buf[11]) || (le > 12 && buf[12] !== 0x20)) return null;
  const status = (buf[9] - 0x30) * 100 + (buf[10] - 0x30) * 10 + (buf[11] - 0x30);
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  const f: FieldSpan = { nameEnd: 0, valueStart: 0, valueEnd: 0 };
  for (let pos = lf + 1; pos < end; pos = lf + 1) {
    lf = lineEnd(buf, pos, end);
    const e = trimCR(buf, pos, lf);
    if (e === pos) break;
    if (!parseField(buf, pos, e, f)) return null;
    const name = buf.toString('latin1', pos, f.nameEnd).toLowerCase();
    const value = buf.toString('latin1', f.valueStart, f.valueEnd);
    const prev = headers[name];
    headers[name] = prev === undefined ? value : `${prev}, ${value}`;
  }
  return { status, headers };
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/**
 * Decodes as much of a chunked body as `raw` holds, up to `limit` bytes;
 * `complete` once the last chunk is seen. The trailer is not needed and not read.
 */
export function dechunk(raw: Buffer, limit: number): { body: Buffer; complete: boolean } {
  const parts: Buffer[] = [];
  let size = 0;
  let pos = 0;
  for (;;) {
    const lf = raw.indexOf(0x0a, pos);
    if (lf < 0) break;
    const n = parseInt(raw.toString('latin1', pos, lf), 16);
    if (!Number.isInteger(n) || n < 0) return { body: Buffer.concat(parts), complete: true };
    if (n === 0) return { body: Buffer.concat(parts), complete: true };
    const data = raw.subarray(lf + 1, Math.min(lf + 1 + n, raw.length));
    parts.push(data);
    size += data.length;
    if (data.length < n || size >= limit) break;
    pos = lf + 1 + n + 2;
  }
  return { body: Buffer.concat(parts), complete: size >= limit };
}

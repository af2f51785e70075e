/** Opening-handshake pieces computed by hand (RFC 6455 section 4), independent of src/upgrade. */
import { createHash, randomBytes } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptFor(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

export function newKey(): string {
  return randomBytes(16).toString('base64');
}

export interface ParsedHead {
  /** Request line or status line. */
  startLine: string;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Map<string, string>;
  /** Bytes after the blank line. */
  rest: Buffer;
}

/** Splits an HTTP/1.1 head at the first CRLFCRLF; null when it has not all arrived yet. */
export function parseHead(buf: Buffer): ParsedHead | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  return { startLine: lines[0], headers, rest: buf.subarray(end + 4) };
}

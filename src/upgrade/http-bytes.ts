/**
 * Byte-level HTTP/1.1 helpers shared by the server and client handshakes.
 * Everything here works on `[start, end)` ranges of a Buffer and allocates nothing.
 */

/** 1 for RFC 7230 `tchar` bytes. */
export const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

/** 1 for bytes allowed in a field value: HTAB, visible ASCII, SP and obs-text. */
export const VCHAR_OR_WS = new Uint8Array(256);
VCHAR_OR_WS[0x09] = 1;
for (let c = 0x20; c <= 0xff; c++) if (c !== 0x7f) VCHAR_OR_WS[c] = 1;

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HTAB = 0x09;
const COMMA = 0x2c;

/**
 * Finds the empty line that ends an HTTP head, across any chunking: feed each
 * chunk to `scan`, which returns the index just past the terminator or -1.
 * Lines end in CRLF or a bare LF (RFC 7230 §3.5 lets a recipient accept both).
 */
export class HeadScanner {
  // 0: inside a line, 1: just after LF, 2: after LF then CR
  private state = 0;

  scan(chunk: Uint8Array, from = 0): number {
    let state = this.state;
    for (let i = from; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === LF) {
        if (state !== 0) {
          this.state = 0;
          return i + 1;
        }
        state = 1;
      } else if (b === CR && state === 1) {
        state = 2;
      } else if (b !== CR) {
        state = 0;
      } else if (state === 2) {
        state = 0;
      }
    }
    this.state = state;
    return -1;
  }
}

/** Index of the LF ending the line that starts at `start` (or `end` if none). */
export function lineEnd(buf: Uint8Array, start: number, end: number): number {
  const i = buf.indexOf(LF, start);
  return i < 0 || i >= end ? end : i;
}

/** End of a line's content: strips the CR of a CRLF. */
export function trimCR(buf: Uint8Array, start: number, lf: number): number {
  return lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
}

/** Where a parsed header line's parts lie; reused across lines. */
export interface FieldSpan {
  nameEnd: number;
  valueStart: number;
  valueEnd: number;
}

/**
 * Parses `name ":" OWS value OWS` in `buf[start, end)` into `out`.
 * Returns false for anything RFC 7230 §3.2 forbids: an empty or non-token name,
 * whitespace before the colon, obs-fold continuation lines, control bytes in the value.
 */
export function parseField(buf: Uint8Array, start: number, end: number, out: FieldSpan): boolean {
  let i = start;
  while (i < end && TCHAR[buf[i]] === 1) i++;
  if (i === start || i === end || buf[i] !== 0x3a) return false;
  out.nameEnd = i;
  i++;
  while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
  let e = end;
  while (e > i && (buf[e - 1] === SP || buf[e - 1] === HTAB)) e--;
  for (let j = i; j < e; j++) if (VCHAR_OR_WS[buf[j]] === 0) return false;
  out.valueStart = i;
  out.valueEnd = e;
  return true;
}

/**
 * True when `buf[start, end)` equals `lower` ignoring ASCII case. `lower` must be
 * lowercase letters, digits or '-', and the range must already be known to hold
 * tchar bytes only (then OR-ing 0x20 folds case without false matches).
 */
export function equalsLower(buf: Uint8Array, start: number, end: number, lower: Uint8Array): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) if ((buf[start + i] | 0x20) !== lower[i]) return false;
  return true;
}

/** Same as equalsLower, for any bytes: folds only A-Z. */
function equalsLowerAny(buf: Uint8Array, start: number, end: number, lower: Uint8Array): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let b = buf[start + i];
    if (b >= 0x41 && b <= 0x5a) b |= 0x20;
    if (b !== lower[i]) return false;
  }
  return true;
}

/**
 * True when the comma-separated list in `buf[start, end)` has an element equal
 * to `lower` ignoring case (e.g. `Connection: keep-alive, Upgrade`).
 */
export function hasListToken(buf: Uint8Array, start: number, end: number, lower: Uint8Array): boolean {
  let i = start;
  while (i < end) {
    while (i < end && (buf[i] === SP || buf[i] === HTAB || buf[i] === COMMA)) i++;
    const s = i;
    while (i < end && buf[i] !== COMMA) i++;
    let e = i;
    while (e > s && (buf[e - 1] === SP || buf[e - 1] === HTAB)) e--;
    if (equalsLowerAny(buf, s, e, lower)) return true;
  }
  return false;
}

/** hasListToken for a header value already decoded to a string (node:http's req.headers). */
export function hasListTokenString(value: string, lower: string): boolean {
  const n = value.length;
  let i = 0;
  while (i < n) {
    let c = value.charCodeAt(i);
    while (i < n && (c === SP || c === HTAB || c === COMMA)) c = value.charCodeAt(++i);
    const s = i;
    while (i < n && value.charCodeAt(i) !== COMMA) i++;
    let e = i;
    while (e > s && (value.charCodeAt(e - 1) === SP || value.charCodeAt(e - 1) === HTAB)) e--;
    if (e - s === lower.length && equalsIgnoreCase(value, s, lower)) return true;
  }
  return false;
}

function equalsIgnoreCase(value: string, start: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) {
    let c = value.charCodeAt(start + k);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower.charCodeAt(k)) return false;
  }
  return true;
}

/** ASCII bytes of a constant. */
export function ascii(s: string): Uint8Array {
  return Buffer.from(s, 'latin1');
}

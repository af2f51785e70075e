import { HeaderParseError } from './errors.js';
import { TCHAR } from './http-bytes.js';

/**
 * One element of a Sec-WebSocket-Extensions header (RFC 6455 §9.1): an
 * extension name and its parameters; a parameter without a value maps to `true`.
 * A Map keeps names like `__proto__` plain data.
 */
export interface ExtensionOffer {
  name: string;
  params: Map<string, string | true>;
}

const SP = 0x20;
const HTAB = 0x09;
const COMMA = 0x2c;
const SEMI = 0x3b;
const EQ = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

function isTchar(c: number): boolean {
  return c < 256 && TCHAR[c] === 1;
}

function skipOWS(s: string, i: number): number {
  let c = s.charCodeAt(i);
  while (c === SP || c === HTAB) c = s.charCodeAt(++i);
  return i;
}

function skipToken(s: string, i: number): number {
  while (i < s.length && isTchar(s.charCodeAt(i))) i++;
  return i;
}

/** Where the next element of a `#list` starts at or after i, past whitespace and empty elements (RFC 7230 §7); s.length at the end. */
function nextElement(s: string, i: number): number {
  for (;;) {
    i = skipOWS(s, i);
    if (i >= s.length || s.charCodeAt(i) !== COMMA) return i;
    i++;
  }
}

/** After an element ending at i: only whitespace may come before the next comma. Returns where to look next. */
function endElement(s: string, i: number, what: string): number {
  i = skipOWS(s, i);
  if (i < s.length && s.charCodeAt(i) !== COMMA) fail(what, s, i);
  return i + 1;
}

function fail(what: string, s: string, i: number): never {
  const at = i < s.length ? `'${s[i]}' at ${i}` : 'end of value';
  throw new HeaderParseError(`${what}: unexpected ${at}`, i);
}

/**
 * Parses a Sec-WebSocket-Protocol value (`1#token`) into its tokens in order.
 * Empty list elements are skipped (RFC 7230 §7). Throws HeaderParseError:
 * `ERR_HEADER_SYNTAX` for a non-token, `ERR_DUPLICATE` for a repeated token
 * (RFC 6455 §4.1 requires them unique), also against tokens already in `into`
 * (several headers add up to one list). Linear time, no regular expressions.
 */
export function parseProtocols(value: string, into: string[] = []): string[] {
  // a linear scan for the usual handful of tokens; a Set once the list is long, so a crafted header stays linear
  let seen: Set<string> | null = null;
  for (let i = nextElement(value, 0); i < value.length; i = nextElement(value, i)) {
    const s = i;
    i = skipToken(value, i);
    if (i === s) fail('Invalid subprotocol', value, i);
    const token = value.slice(s, i);
    if (seen === null && into.length >= 16) seen = new Set(into);
    if (seen !== null ? seen.has(token) : into.includes(token)) {
      throw new HeaderParseError(`Duplicate subprotocol '${token}'`, s, 'ERR_DUPLICATE');
    }
    seen?.add(token);
    into.push(token);
    i = endElement(value, i, 'Invalid subprotocol list');
  }
  return into;
}

/**
 * What to do with an element that repeats a parameter name: `throw`
 * (HeaderParseError `ERR_DUPLICATE`) or `drop` the element (a server declining
 * an offer it cannot interpret, as RFC 7692 §5.1 asks for permessage-deflate).
 */
export type DuplicateParams = 'throw' | 'drop';

/**
 * Parses a Sec-WebSocket-Extensions value (RFC 6455 §9.1) into offers, in order.
 * Parameter values may be tokens or quoted strings whose unescaped content is a
 * token. Empty list elements are skipped. Throws HeaderParseError
 * (`ERR_HEADER_SYNTAX`) on malformed input and, by default, `ERR_DUPLICATE` when
 * an element repeats a parameter. Linear time, no regular expressions.
 */
export function parseExtensions(value: string, duplicates: DuplicateParams = 'throw', into: ExtensionOffer[] = []): ExtensionOffer[] {
  const n = value.length;
  for (let i = nextElement(value, 0); i < n; i = nextElement(value, i)) {
    const s = i;
    i = skipToken(value, i);
    if (i === s) fail('Invalid extension name', value, i);
    const offer: ExtensionOffer = { name: value.slice(s, i), params: new Map() };
    let duplicate = false;
    i = skipOWS(value, i);
    while (i < n && value.charCodeAt(i) === SEMI) {
      i = skipOWS(value, i + 1);
      const ps = i;
      i = skipToken(value, i);
      if (i === ps) fail('Invalid extension parameter', value, i);
      const param = value.slice(ps, i);
      let paramValue: string | true = true;
      i = skipOWS(value, i);
      if (i < n && value.charCodeAt(i) === EQ) {
        i = skipOWS(value, i + 1);
        if (value.charCodeAt(i) === DQUOTE) {
          const q = readQuoted(value, i);
          paramValue = q.value;
          i = q.end;
        } else {
          const vs = i;
          i = skipToken(value, i);
          if (i === vs) fail('Invalid extension parameter value', value, i);
          paramValue = value.slice(vs, i);
        }
        i = skipOWS(value, i);
      }
      if (offer.params.has(param)) {
        if (duplicates === 'throw') {
          throw new HeaderParseError(`Duplicate parameter '${param}' in extension '${offer.name}'`, ps, 'ERR_DUPLICATE');
        }
        duplicate = true;
      } else {
        offer.params.set(param, paramValue);
      }
    }
    i = endElement(value, i, 'Invalid extension list');
    if (!duplicate) into.push(offer);
  }
  return into;
}

// RFC 7230 quoted-string; RFC 6455 §9.1 further requires the unescaped value to be a token.
function readQuoted(s: string, i: number): { value: string; end: number } {
  let out = '';
  let runStart = ++i;
  for (;;) {
    if (i >= s.length) fail('Unterminated quoted string', s, i);
    const c = s.charCodeAt(i);
    if (c === DQUOTE) break;
    if (c === BACKSLASH) {
      out += s.slice(runStart, i);
      i++;
      if (i >= s.length) fail('Unterminated quoted string', s, i);
      runStart = i;
    } else if (!isTchar(c)) {
      fail('Quoted extension parameter value must be a token', s, i);
    }
    i++;
  }
  out += s.slice(runStart, i);
  if (out.length === 0 || !isTokenString(out)) fail('Quoted extension parameter value must be a token', s, i);
  return { value: out, end: i + 1 };
}

/** True when `s` is a non-empty RFC 7230 token. */
export function isTokenString(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTchar(s.charCodeAt(i))) return false;
  return true;
}

/**
 * Renders extension offers or responses as a Sec-WebSocket-Extensions value.
 * Throws TypeError when a name, parameter or value is not a token (nothing
 * else is valid there, quoted or not).
 */
export function formatExtensions(list: readonly ExtensionOffer[]): string {
  let out = '';
  for (let k = 0; k < list.length; k++) {
    const ext = list[k];
    if (!isTokenString(ext.name)) throw new TypeError(`Invalid extension name: ${JSON.stringify(ext.name)}`);
    out += k === 0 ? ext.name : `, ${ext.name}`;
    for (const [param, v] of ext.params) {
      if (!isTokenString(param)) throw new TypeError(`Invalid extension parameter: ${JSON.stringify(param)}`);
      if (v === true) {
        out += `; ${param}`;
      } else {
        if (!isTokenString(v)) throw new TypeError(`Invalid value for extension parameter ${param}: ${JSON.stringify(v)}`);
        out += `; ${param}=${v}`;
      }
    }
  }
  return out;
}

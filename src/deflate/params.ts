import type { ExtensionElement } from './offer.js';

/** The extension's registered name. */
export const EXTENSION_NAME = 'permessage-deflate';

/** Parameters in force on a connection after negotiation. Window bits are 8..15. */
export interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

/**
 * Options for negotiation and for the data engine. The four RFC 7692 parameters mean, on a client,
 * what to offer and, on a server, what to impose:
 * - `serverNoContextTakeover` / `clientNoContextTakeover`: ask (client) or require (server) that this side's
 *   compressor resets its context after each message.
 * - `serverMaxWindowBits` (8-15): limit the server's LZ77 window.
 * - `clientMaxWindowBits`: on a client, `true` (default) offers the parameter without a value so the server
 *   may limit the client's window, a number offers that limit, `false` does not offer it; on a server, a
 *   number limits the client's window (offers that do not allow it are declined).
 */
export interface DeflateOptions {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  serverMaxWindowBits?: number;
  clientMaxWindowBits?: number | boolean;
  /** zlib compression level, 0-9 (default 6, zlib's default). */
  level?: number;
  /** zlib memLevel, 1-9 (default 8). */
  memLevel?: number;
  /** Messages shorter than this many bytes are sent uncompressed (default 1024). */
  threshold?: number;
  /**
   * Largest inflated message accepted, enforced while inflating (default 64 MiB). `Infinity` suits a
   * streaming reader that never holds a message whole.
   */
  maxMessageSize?: number;
  /**
   * Bytes of previously sent data the compressor uses as context under context takeover
   * (default 4096, capped at the negotiated window). Larger compresses better and costs more time.
   */
  historySize?: number;
  /**
   * Inputs up to this many bytes are (de)compressed synchronously on the calling thread; larger ones go to
   * the zlib thread pool. Synchronous inflation stops at 16 times this much output (default 65536).
   */
  syncMaxBytes?: number;
}

/** A permessage-deflate element's parameters, validated; null when the element must be rejected. */
export interface ParsedParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  /** `true` when present without a value. */
  clientMaxWindowBits: number | true | undefined;
}

const WINDOW_BITS = /^(?:[89]|1[0-5])$/;

/** Whether `n` is a valid window-bits value (an integer in 8..15). */
export function isWindowBits(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 8 && n <= 15;
}

/**
 * Validates the parameters of one permessage-deflate element (offer or response): no unknown, repeated
 * (names compare case-insensitively) or ill-valued parameter. Returns null when any rule is broken.
 */
export function parseParams(element: ExtensionElement): ParsedParams | null {
  const out: ParsedParams = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  const seen = new Set<string>();
  for (const [rawName, value] of element.params) {
    const name = rawName.toLowerCase();
    if (seen.has(name)) return null;
    seen.add(name);
    switch (name) {
      case 'server_no_context_takeover':
        if (value !== true) return null;
        out.serverNoContextTakeover = true;
        break;
      case 'client_no_context_takeover':
        if (value !== true) return null;
        out.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits':
        if (value === true || !WINDOW_BITS.test(value)) return null;
        out.serverMaxWindowBits = Number(value);
        break;
      case 'client_max_window_bits':
        if (value === true) out.clientMaxWindowBits = true;
        else if (WINDOW_BITS.test(value)) out.clientMaxWindowBits = Number(value);
        else return null;
        break;
      default:
        return null;
    }
  }
  return out;
}

/** Whether an element names permessage-deflate (extension tokens compare case-insensitively). */
export function isDeflateElement(element: ExtensionElement): boolean {
  return element.name.toLowerCase() === EXTENSION_NAME;
}

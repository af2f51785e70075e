import { HandshakeError } from './errors.js';
import { parseExtensions, type ExtensionOffer } from './header-values.js';

/**
 * Checks the subprotocol and extensions a server answered (HTTP/1.1 101 or
 * HTTP/2 200) against what the client offered; throws a HandshakeError
 * (ERR_BAD_PROTOCOL, ERR_BAD_EXTENSIONS) for anything not offered.
 */
export function checkAnswer(
  headers: Readonly<Record<string, string | undefined>>,
  protocols: readonly string[] | undefined,
  offered: readonly ExtensionOffer[] | undefined,
): { protocol: string | null; extensions: ExtensionOffer[] } {
  let protocol: string | null = null;
  const p = headers['sec-websocket-protocol'];
  if (p !== undefined) {
    if (protocols === undefined || !protocols.includes(p)) {
      throw new HandshakeError('ERR_BAD_PROTOCOL', `Server chose subprotocol ${JSON.stringify(p)}, which was not offered`);
    }
    protocol = p;
  }
  let extensions: ExtensionOffer[] = [];
  const x = headers['sec-websocket-extensions'];
  if (x !== undefined) {
    try {
      extensions = parseExtensions(x);
    } catch (err) {
      throw new HandshakeError('ERR_BAD_EXTENSIONS', `Invalid Sec-WebSocket-Extensions: ${(err as Error).message}`, { cause: err });
    }
    const names = new Set((offered ?? []).map((e) => e.name));
    const seen = new Set<string>();
    for (const e of extensions) {
      if (!names.has(e.name) || seen.has(e.name)) {
        throw new HandshakeError('ERR_BAD_EXTENSIONS', `Server accepted extension ${e.name}, which was not offered (or twice)`);
      }
      seen.add(e.name);
    }
  }
  return { protocol, extensions };
}

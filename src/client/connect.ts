import { acceptResponse, createOffer, PerMessageDeflate } from '../deflate/index.js';
import type { DeflateOptions } from '../deflate/index.js';
import { Conn } from '../message/conn.js';
import { pickLimits } from '../message/options.js';
import type { ConnLimits } from '../message/options.js';
import { dial } from '../upgrade/index.js';
import type { DialOptions, ExtensionOffer } from '../upgrade/index.js';

/** Options of `connect`: the handshake (dial), the connection's limits, and permessage-deflate. */
export interface ConnectOptions extends Omit<DialOptions, 'extensions'>, ConnLimits {
  /** Offer permessage-deflate: true for defaults, or its options. Default off. */
  deflate?: boolean | DeflateOptions;
  /**
   * Open the WebSocket over HTTP/2 (RFC 8441) as a stream of a session to the
   * URL's origin, shared by every such connection to it (wss:// over TLS,
   * ws:// as h2c). Default false (HTTP/1.1).
   */
  http2?: boolean;
}

/**
 * Open a WebSocket connection to a ws:// or wss:// URL (any RFC 6455 server)
 * and return it as a client-role Conn. Rejects with the upgrade layer's
 * HandshakeError when the server refuses or answers badly, and with a
 * NegotiationError when it answers permessage-deflate in a way that was not offered.
 */
export async function connect(url: string | URL, options: ConnectOptions = {}): Promise<Conn> {
  return (await connectWithExtensions(url, options)).conn;
}

/** @internal `connect`, also saying which extensions the server accepted (for WebSocketStream's `extensions`). */
export async function connectWithExtensions(url: string | URL, options: ConnectOptions): Promise<{ conn: Conn; extensions: ExtensionOffer[] }> {
  const { deflate: setting, http2, ...rest } = options;
  const deflateOptions: DeflateOptions | null =
    setting === undefined || setting === false ? null : setting === true ? {} : { ...setting };
  const dialOptions = { ...rest, extensions: deflateOptions === null ? [] : [createOffer(deflateOptions)] };
  // the HTTP/2 dialer (node:http2 and its session pool) is loaded on first use, as the server's
  const result = http2 === true ? await (await import('./dial-http2.js')).dialHttp2(url, dialOptions) : await dial(url, dialOptions);
  const socket = 'stream' in result ? result.stream : result.socket;
  const head = 'head' in result ? result.head : undefined;
  let deflate: PerMessageDeflate | null = null;
  if (deflateOptions !== null) {
    try {
      const params = acceptResponse(result.extensions, deflateOptions);
      if (params !== null) deflate = new PerMessageDeflate(params, 'client', deflateOptions);
    } catch (err) {
      socket.destroy();
      throw err;
    }
  }
  if ('setNoDelay' in socket) socket.setNoDelay(true);
  const conn = new Conn(socket, { ...pickLimits(options), role: 'client', protocol: result.protocol, head, deflate });
  return { conn, extensions: result.extensions };
}

/**
 * zwire/upgrade: the WebSocket opening handshake (RFC 6455 §4), both sides.
 *
 * Server: `upgrade` (raw socket, zero-copy parse), `upgradeHTTP` (node:http
 * 'upgrade' event), `createUpgradeServer`. Client: `dial`. Plus the header
 * parsers and the accept-key helper they are built from.
 *
 * ```ts
 * const server = net.createServer(async (socket) => {
 *   try {
 *     const { protocol, head } = await upgrade(socket, {
 *       onHeader(name, value) {            // views: copy what you keep
 *         if (name.toString('latin1').toLowerCase() === 'origin' && value.toString('latin1') !== ALLOWED)
 *           throw new RejectError(403, 'Origin not allowed');
 *       },
 *       selectProtocol: (offered) => (offered.includes('chat.v1') ? 'chat.v1' : null),
 *     });
 *     socket.on('error', onError).on('data', onFrames);
 *     if (head.length > 0) onFrames(head);  // bytes that came with the request
 *     socket.resume();                      // the socket is handed over paused
 *   } catch (err) {
 *     // UpgradeError: already answered (err.status) or destroyed (status 0)
 *   }
 * });
 * ```
 */
export { acceptKey, generateKey, isValidKey, WEBSOCKET_GUID } from './accept-key.js';
export { dial, type DialOptions, type DialResult } from './dial.js';
export { DEFAULT_HANDSHAKE_TIMEOUT_MS } from './options.js';
export { ZwireError } from '../errors.js';
export { HandshakeError, HeaderParseError, RejectError, UpgradeError } from './errors.js';
export {
  formatExtensions,
  isTokenString,
  parseExtensions,
  parseProtocols,
  type DuplicateParams,
  type ExtensionOffer,
} from './header-values.js';
export type { BeforeUpgradeResult, HandshakePolicy, UpgradeOptions, UpgradeResult } from './options.js';
export { renderHeaders, type OutgoingHeaders } from './response.js';
export { createUpgradeServer, type UpgradeServerOptions } from './server.js';
export { upgrade } from './upgrade.js';
export { upgradeHTTP, type UpgradeHTTPOptions } from './upgrade-http.js';
export { checkAnswer } from './check-answer.js';
export { connectRequest, type ConnectTarget } from './connect-request.js';
export {
  answerConnect,
  type ConnectAnswer,
  type ExtendedConnectOptions,
  type RequestHeaderList,
  type ResponseHeaderList,
} from './extended-connect.js';

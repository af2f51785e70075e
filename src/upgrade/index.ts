/**
 * zwire/upgrade: the WebSocket opening handshake (RFC 6455 §4), both sides.
 *
 * Server: `upgrade` (raw socket, zero-copy parse), `upgradeHTTP` (node:http
 * 'upgrade' event), `createUpgradeServer`. Client: `dial`. Plus the header
 * parsers and the accept-key helper they are built from.
 */
export { acceptKey, generateKey, isValidKey, WEBSOCKET_GUID } from './accept-key.js';
export { dial, type DialOptions, type DialResult } from './dial.js';
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

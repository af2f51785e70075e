export { ZwireError } from '../errors.js';
export { DeflateError, NegotiationError } from './errors.js';
export { setZlibConcurrency, zlibActivity } from './limiter.js';
export { acceptResponse, createOffer } from './negotiate-client.js';
export { acceptOffer, type AcceptedOffer } from './negotiate-server.js';
export type { ExtensionElement } from './offer.js';
export { EXTENSION_NAME, type DeflateOptions, type DeflateParams } from './params.js';
export { PerMessageDeflate } from './per-message-deflate.js';
export type { SharedDeflate } from './shared.js';

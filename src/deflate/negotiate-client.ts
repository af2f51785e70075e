import { NegotiationError } from './errors.js';
import type { ExtensionElement } from './offer.js';
import { checkOptions } from './options.js';
import { EXTENSION_NAME, isDeflateElement, parseParams, type DeflateOptions, type DeflateParams } from './params.js';

/** Client side: the permessage-deflate element to offer in Sec-WebSocket-Extensions. */
export function createOffer(opts: DeflateOptions = {}): ExtensionElement {
  checkOptions(opts);
  const params = new Map<string, string | true>();
  if (opts.serverNoContextTakeover === true) params.set('server_no_context_takeover', true);
  if (opts.clientNoContextTakeover === true) params.set('client_no_context_takeover', true);
  if (opts.serverMaxWindowBits !== undefined) params.set('server_max_window_bits', String(opts.serverMaxWindowBits));
  const c = opts.clientMaxWindowBits ?? true;
  if (c === true) params.set('client_max_window_bits', true);
  else if (c !== false) params.set('client_max_window_bits', String(c));
  return { name: EXTENSION_NAME, params };
}

/**
 * Client side: checks the server's Sec-WebSocket-Extensions answer against the offer made with the same
 * `opts`. Returns the parameters in force, null when the server declined permessage-deflate, and throws a
 * NegotiationError (the connection must be failed) for an answer the offer did not allow.
 * Elements naming other extensions are left to the caller.
 */
export function acceptResponse(responses: readonly ExtensionElement[], opts: DeflateOptions = {}): DeflateParams | null {
  checkOptions(opts);
  const mine = responses.filter(isDeflateElement);
  if (mine.length === 0) return null;
  if (mine.length > 1) throw new NegotiationError(`server answered ${EXTENSION_NAME} ${mine.length} times`);
  const p = parseParams(mine[0]);
  if (p === null) throw new NegotiationError(`malformed ${EXTENSION_NAME} response parameters`);
  if (p.clientMaxWindowBits === true) throw new NegotiationError('client_max_window_bits in a response needs a value');
  if (opts.serverNoContextTakeover === true && !p.serverNoContextTakeover) {
    throw new NegotiationError('server ignored the offered server_no_context_takeover');
  }
  const offeredServerBits = opts.serverMaxWindowBits;
  if (offeredServerBits !== undefined) {
    if (p.serverMaxWindowBits === undefined) throw new NegotiationError('server ignored the offered server_max_window_bits');
    if (p.serverMaxWindowBits > offeredServerBits) {
      throw new NegotiationError(`server_max_window_bits=${p.serverMaxWindowBits} exceeds the offered ${offeredServerBits}`);
    }
  }
  const offeredClient = opts.clientMaxWindowBits ?? true;
  if (p.clientMaxWindowBits !== undefined) {
    if (offeredClient === false) throw new NegotiationError('client_max_window_bits was not offered');
    if (typeof offeredClient === 'number' && p.clientMaxWindowBits > offeredClient) {
      throw new NegotiationError(`client_max_window_bits=${p.clientMaxWindowBits} exceeds the offered ${offeredClient}`);
    }
  }
  return {
    serverNoContextTakeover: p.serverNoContextTakeover,
    clientNoContextTakeover: p.clientNoContextTakeover || opts.clientNoContextTakeover === true,
    serverMaxWindowBits: p.serverMaxWindowBits ?? 15,
    clientMaxWindowBits: p.clientMaxWindowBits ?? (typeof offeredClient === 'number' ? offeredClient : 15),
  };
}

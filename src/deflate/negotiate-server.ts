import type { ExtensionElement } from './offer.js';
import { checkOptions } from './options.js';
import { EXTENSION_NAME, isDeflateElement, parseParams, type DeflateOptions, type DeflateParams } from './params.js';

/** A server's choice: the element to send back in Sec-WebSocket-Extensions and the parameters in force. */
export interface AcceptedOffer {
  response: ExtensionElement;
  params: DeflateParams;
}

/**
 * Server side of RFC 7692 negotiation: picks the first permessage-deflate offer that is well formed and
 * acceptable under `opts` and returns the response element, or null when every offer is declined
 * (malformed, unknown or repeated parameters, or a client window that cannot be limited as `opts` requires).
 */
export function acceptOffer(offers: readonly ExtensionElement[], opts: DeflateOptions = {}): AcceptedOffer | null {
  checkOptions(opts);
  const clientLimit = typeof opts.clientMaxWindowBits === 'number' ? opts.clientMaxWindowBits : undefined;
  for (const offer of offers) {
    if (!isDeflateElement(offer)) continue;
    const p = parseParams(offer);
    if (p === null) continue;
    // The server may only limit the client's window when the client said it supports the parameter.
    if (clientLimit !== undefined && p.clientMaxWindowBits === undefined) continue;
    const offeredClientBits = typeof p.clientMaxWindowBits === 'number' ? p.clientMaxWindowBits : 15;
    const params: DeflateParams = {
      serverNoContextTakeover: p.serverNoContextTakeover || opts.serverNoContextTakeover === true,
      clientNoContextTakeover: p.clientNoContextTakeover || opts.clientNoContextTakeover === true,
      serverMaxWindowBits: Math.min(p.serverMaxWindowBits ?? 15, opts.serverMaxWindowBits ?? 15),
      clientMaxWindowBits: Math.min(offeredClientBits, clientLimit ?? 15),
    };
    const out = new Map<string, string | true>();
    if (params.serverNoContextTakeover) out.set('server_no_context_takeover', true);
    if (params.clientNoContextTakeover) out.set('client_no_context_takeover', true);
    if (p.serverMaxWindowBits !== undefined || opts.serverMaxWindowBits !== undefined) {
      out.set('server_max_window_bits', String(params.serverMaxWindowBits));
    }
    if (clientLimit !== undefined || typeof p.clientMaxWindowBits === 'number') {
      out.set('client_max_window_bits', String(params.clientMaxWindowBits));
    }
    return { response: { name: EXTENSION_NAME, params: out }, params };
  }
  return null;
}

import { RejectError } from './errors.js';
import { formatExtensions, isTokenString, type ExtensionOffer } from './header-values.js';
import type { OutgoingHeaders } from './response.js';
import type { BeforeUpgradeResult, HandshakePolicy } from './options.js';

/** A handshake that must be refused: what to answer and why. */
export class Failure {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly reason: string,
    readonly headers?: OutgoingHeaders,
    readonly cause?: unknown,
  ) {}
}

/** Turns whatever a hook threw into a Failure: RejectError keeps its status, anything else is a 500. */
export function fromThrown(err: unknown): Failure {
  if (err instanceof RejectError) return new Failure('ERR_REJECTED', err.status, err.reason, err.headers, err);
  return new Failure('ERR_HOOK_FAILED', 500, 'Internal Server Error', undefined, err);
}

/** The outcome of subprotocol and extension negotiation. */
export interface Negotiated {
  protocol: string | null;
  extensions: ExtensionOffer[];
  /** `extensions` rendered for the response header ('' when none). */
  extensionsHeader: string;
}

const NONE: ExtensionOffer[] = [];
// the usual case (nothing offered or nothing to decide) shares one result
const NOTHING: Negotiated = Object.freeze({ protocol: null, extensions: NONE, extensionsHeader: '' });

/** Runs selectProtocol and negotiateExtensions over the client's offers and checks their answers. */
export function negotiate(
  protocols: readonly string[] | null,
  offers: ExtensionOffer[] | null,
  policy: HandshakePolicy,
): Negotiated | Failure {
  if ((protocols === null || policy.selectProtocol === undefined) && (offers === null || policy.negotiateExtensions === undefined)) {
    return NOTHING;
  }
  let protocol: string | null = null;
  let extensions = NONE;
  let extensionsHeader = '';
  try {
    if (protocols !== null && policy.selectProtocol !== undefined) {
      const chosen = policy.selectProtocol(protocols);
      if (chosen !== null && chosen !== undefined) {
        if (!protocols.includes(chosen) || !isTokenString(chosen)) {
          return new Failure('ERR_PROTOCOL_NOT_OFFERED', 500, 'Internal Server Error', undefined,
            new Error(`selectProtocol returned ${JSON.stringify(chosen)}, which the client did not offer`));
        }
        protocol = chosen;
      }
    }
    if (offers !== null && offers.length > 0 && policy.negotiateExtensions !== undefined) {
      const offeredNames = new Set<string>();
      for (const o of offers) offeredNames.add(o.name);
      extensions = policy.negotiateExtensions(offers);
      const answered = new Set<string>();
      for (const r of extensions) {
        if (!offeredNames.has(r.name) || answered.has(r.name)) {
          return new Failure('ERR_EXTENSION_NOT_OFFERED', 500, 'Internal Server Error', undefined,
            new Error(`negotiateExtensions answered '${r.name}' twice or without an offer`));
        }
        answered.add(r.name);
      }
      extensionsHeader = formatExtensions(extensions);
    }
  } catch (err) {
    return fromThrown(err);
  }
  return { protocol, extensions, extensionsHeader };
}

/** Calls onBeforeUpgrade, turning a throw or a rejected promise into a Failure. */
export function beforeUpgrade(
  policy: HandshakePolicy,
): BeforeUpgradeResult | undefined | Failure | Promise<BeforeUpgradeResult | undefined | Failure> {
  if (policy.onBeforeUpgrade === undefined) return undefined;
  try {
    const r = policy.onBeforeUpgrade();
    if (r !== null && typeof r === 'object' && typeof (r as Promise<unknown>).then === 'function') {
      return Promise.resolve(r as Promise<void | BeforeUpgradeResult>).then((v) => v ?? undefined, fromThrown);
    }
    return (r as BeforeUpgradeResult | undefined) ?? undefined;
  } catch (err) {
    return fromThrown(err);
  }
}

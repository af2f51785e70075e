import { parseChannelEnvelope, type ChannelEnvelope } from '../rpc/topic-envelopes.js';

/** A subscription as the channel router sees it. */
export interface ChannelListener {
  onChannel(env: ChannelEnvelope): void;
}

/**
 * Routes the server's channel envelopes (publication, join, leave, reset),
 * which name a channel rather than a call id, to the subscriptions on it.
 */
export class ChannelRouter {
  private readonly channels = new Map<string, Set<ChannelListener>>();

  add(channel: string, listener: ChannelListener): void {
    let set = this.channels.get(channel);
    if (set === undefined) this.channels.set(channel, (set = new Set()));
    set.add(listener);
  }

  remove(channel: string, listener: ChannelListener): void {
    const set = this.channels.get(channel);
    if (set !== undefined && set.delete(listener) && set.size === 0) this.channels.delete(channel);
  }

  /** Delivers a channel envelope; false when `env` is not one. */
  dispatch(env: unknown[]): boolean {
    const parsed = parseChannelEnvelope(env);
    if (parsed === null) return false;
    const set = this.channels.get(parsed.channel);
    if (set !== undefined) for (const l of set) l.onChannel(parsed);
    return true;
  }
}

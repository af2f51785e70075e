import { SetMap } from '../rpc/set-map.js';
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
  private readonly channels = new SetMap<string, ChannelListener>();

  add(channel: string, listener: ChannelListener): void {
    this.channels.add(channel, listener);
  }

  remove(channel: string, listener: ChannelListener): void {
    this.channels.delete(channel, listener);
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

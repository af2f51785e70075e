import * as Protocol from '../rpc/protocol.js';
import { parseChannelEnvelope, RpcError, SetMap, SLOW_SUBSCRIBER_CLOSE, type ChannelEnvelope } from '../rpc/protocol.js';
import type { Pending } from './rpc-pending.js';

/** A subscription as the channel router sees it. */
export interface ChannelListener {
  onChannel(env: ChannelEnvelope): void;
}

/**
 * Routes the server's topic envelopes: Subscribed answers its subscription;
 * publication, join, leave and reset name a channel rather than a call id
 * and go to the subscriptions on it.
 */
export class ChannelRouter {
  private readonly channels = new SetMap<string, ChannelListener>();

  add(channel: string, listener: ChannelListener): void {
    this.channels.add(channel, listener);
  }

  remove(channel: string, listener: ChannelListener): void {
    this.channels.delete(channel, listener);
  }

  /** Delivers a topic envelope (`callOn` finds the call an id names); false when `env` is not one. */
  dispatch(env: unknown[], callOn: (id: number) => Pending | undefined): boolean {
    if (env[0] === Protocol.Subscribed) {
      if (typeof env[1] === 'number') callOn(env[1])?.onSubscribed?.(env);
      return true;
    }
    const parsed = parseChannelEnvelope(env);
    if (parsed === null) return false;
    const set = this.channels.get(parsed.channel);
    if (set !== undefined) for (const l of set) l.onChannel(parsed);
    return true;
  }

  /** The error a connection close reports when the server closed it because this client's subscriptions fell behind, else null. */
  slowSubscriberError(code: number, reason: string): RpcError | null {
    return code === SLOW_SUBSCRIBER_CLOSE ? new RpcError('UNAVAILABLE', `the server dropped a slow subscriber (${code} ${reason})`) : null;
  }
}

import type { Publication } from '../engine/engine.js';
import type { WireData } from './codec.js';
import type { CodecName } from './envelope.js';
import { SetMap } from './set-map.js';
import type { RpcSocket } from './socket.js';

/** One subscription as the fan-out sees it. */
export interface FanoutMember {
  readonly codec: CodecName;
  /** The connection's transport: a fan-out of the server assembly may queue a shared frame on it itself. */
  readonly socket: RpcSocket;
  /**
   * Applies the slow-subscriber policy and moves the member's subscriptions
   * past `pub`; true when `pub` is to be written to the member's socket (the
   * caller then writes it), false when the member is behind.
   */
  admit(pub: Publication): boolean;
  /** Whether a presence event is to be written to the member's socket now. */
  admitsEvent(): boolean;
  /** A publication, with the envelope already encoded for this member's codec (the same bytes for every member). */
  deliver(pub: Publication, frame: WireData): void;
  /** A presence event (join or leave), encoded as above. */
  event(frame: WireData): void;
}

/** An envelope for every member of a channel, encoded at most once per codec, on first demand (topic-frames.ts). */
export interface Frames {
  encoded(codec: CodecName): WireData;
}

/**
 * Who receives a channel's publications on this node. The server assembly
 * may put a faster one in (framing once and flushing each socket once per
 * turn); this interface is all the topics need.
 */
export interface Fanout {
  /** O(1). */
  add(channel: string, member: FanoutMember): void;
  /** O(1); removing a non-member does nothing. */
  remove(channel: string, member: FanoutMember): void;
  /** Hands the publication to every member; returns how many there were. */
  publish(channel: string, pub: Publication, frames: Frames): number;
  /** Hands a presence event to every member. */
  event(channel: string, frames: Frames): void;
  /** Members of a channel. */
  size(channel: string): number;
}

/**
 * How a fan-out hands a publication or a presence event to the members of a
 * channel. A member that falls behind leaves the set during the loop, which a
 * Set's iteration allows.
 */
export interface FanoutDelivery {
  publish(members: ReadonlySet<FanoutMember>, pub: Publication, frames: Frames): void;
  event(members: ReadonlySet<FanoutMember>, frames: Frames): void;
}

/** Each member sends the shared encoded envelope itself. */
const eachSends: FanoutDelivery = {
  publish(members, pub, frames) {
    for (const m of members) m.deliver(pub, frames.encoded(m.codec));
  },
  event(members, frames) {
    for (const m of members) m.event(frames.encoded(m.codec));
  },
};

/**
 * The fan-out: a Map of channel to a Set of members. By default each member
 * is given the shared encoded envelope to send; a transport may pass a
 * delivery that writes one shared frame to all of them.
 */
export function mapFanout(delivery: FanoutDelivery = eachSends): Fanout {
  const channels = new SetMap<string, FanoutMember>();
  return {
    add(channel, member) {
      channels.add(channel, member);
    },
    remove(channel, member) {
      channels.delete(channel, member);
    },
    publish(channel, pub, frames) {
      const set = channels.get(channel);
      if (set === undefined) return 0;
      const n = set.size;
      delivery.publish(set, pub, frames);
      return n;
    },
    event(channel, frames) {
      const set = channels.get(channel);
      if (set !== undefined) delivery.event(set, frames);
    },
    size(channel) {
      return channels.get(channel)?.size ?? 0;
    },
  };
}

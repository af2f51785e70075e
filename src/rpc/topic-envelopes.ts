/**
 * The topic envelopes (kinds 16-24; layouts in docs/rpc-protocol.md), their
 * encoders for both codecs and the parsers of the ones each side receives.
 * Publication, join and leave carry the channel, never a subscription id, so
 * one encoded message serves every subscriber on the same codec.
 */
import type { EnvelopeCodec, WireData } from './codec.js';
import type { StreamPosition } from './topic.js';
import * as T from './topic-kinds.js';

/** What the topic envelopes need of a codec (a client's half codec has it too). */
type EnvelopeEncoder = Pick<EnvelopeCodec, 'envelope'>;

/** Topic envelope kinds (the values live in topic-kinds.ts, which zwire's own code imports). */
export const TopicKind = {
  /** client -> server: [16, id, topic, key, epoch?, offset?] subscribes, recovering after the position if given */
  Subscribe: T.Subscribe,
  /** server -> client: [17, id, channel, recovered, epoch, offset] the subscription is live after this position */
  Subscribed: T.Subscribed,
  /** server -> client: [18, channel, epoch, offset, data] one publication */
  Publication: T.Publication,
  /** client -> server: [19, id] ends a subscription */
  Unsubscribe: T.Unsubscribe,
  /** server -> client: [20, channel, info] a subscriber's presence appeared */
  Join: T.Join,
  /** server -> client: [21, channel, info] a subscriber's presence went away */
  Leave: T.Leave,
  /** client -> server: [22, id, subscriptionId] asks for the presence of a subscription's channel; answered by Result [11, id, [info, ...]] */
  Presence: T.Presence,
  /** client -> server: [23, id, topic, key, data] publishes (topics with `publish: true`); answered by Result [11, id, { epoch, offset }] */
  Publish: T.Publish,
  /** server -> client: [24, channel, epoch, offset] publications before this position were lost to this subscriber; it continues after it */
  Reset: T.Reset,
} as const;

/** The close code for a slow subscriber of a topic without history (nothing to recover from). */
export const SLOW_SUBSCRIBER_CLOSE = 4008;

/** Encoders of the topic envelopes for one codec. */
export const topicEnvelope = {
  subscribe(codec: EnvelopeEncoder, id: number, topic: string, key: unknown, since: StreamPosition | null): WireData {
    return codec.envelope(since === null ? [T.Subscribe, id, topic, key] : [T.Subscribe, id, topic, key, since.epoch, since.offset]);
  },
  subscribed(codec: EnvelopeEncoder, id: number, channel: string, recovered: boolean, at: StreamPosition): WireData {
    return codec.envelope([T.Subscribed, id, channel, recovered, at.epoch, at.offset]);
  },
  publication(codec: EnvelopeEncoder, channel: string, epoch: string, offset: number, message: unknown): WireData {
    return codec.envelope([T.Publication, channel, epoch, offset, message]);
  },
  unsubscribe(codec: EnvelopeEncoder, id: number): WireData {
    return codec.envelope([T.Unsubscribe, id]);
  },
  presenceEvent(codec: EnvelopeEncoder, kind: typeof T.Join | typeof T.Leave, channel: string, info: unknown): WireData {
    return codec.envelope([kind, channel, info]);
  },
  presence(codec: EnvelopeEncoder, id: number, subscriptionId: number): WireData {
    return codec.envelope([T.Presence, id, subscriptionId]);
  },
  publish(codec: EnvelopeEncoder, id: number, topic: string, key: unknown, message: unknown): WireData {
    return codec.envelope([T.Publish, id, topic, key, message]);
  },
  reset(codec: EnvelopeEncoder, channel: string, at: StreamPosition): WireData {
    return codec.envelope([T.Reset, channel, at.epoch, at.offset]);
  },
};

/** A request or subscription id: a positive safe integer. */
export function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= Number.MAX_SAFE_INTEGER;
}

function isOffset(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** A Subscribe envelope, parsed. */
export interface SubscribeEnvelope {
  readonly id: number;
  readonly topic: string;
  readonly key: unknown;
  readonly since: StreamPosition | null;
}

/** Parses [16, id, topic, key, epoch?, offset?]; a string says what is wrong (id 0 when even the id is unusable). */
export function parseSubscribe(env: unknown[]): SubscribeEnvelope | { id: number; error: string } {
  const id = isId(env[1]) ? env[1] : 0;
  if (id === 0) return { id, error: 'bad subscription id' };
  if (typeof env[2] !== 'string') return { id, error: 'topic must be a string' };
  const hasSince = env.length > 4;
  if (hasSince && !(typeof env[4] === 'string' && isOffset(env[5]))) return { id, error: 'bad position' };
  return { id, topic: env[2], key: env[3], since: hasSince ? { epoch: env[4] as string, offset: env[5] as number } : null };
}

/** Parses [19, id] or [22, id, subscriptionId]: the positive ids at the given places, or null. */
export function parseIds(env: unknown[], count: 1 | 2): number[] | null {
  const ids = env.slice(1, 1 + count);
  return ids.length === count && ids.every(isId) ? (ids as number[]) : null;
}

/** A Publication, Join, Leave or Reset envelope as the client dispatches it by channel. */
export type ChannelEnvelope =
  | { kind: typeof T.Publication; channel: string; epoch: string; offset: number; data: unknown }
  | { kind: typeof T.Join | typeof T.Leave; channel: string; info: unknown }
  | { kind: typeof T.Reset; channel: string; epoch: string; offset: number };

/** Parses the server's channel envelopes (kinds 18, 20, 21, 24); null for anything else or malformed. */
export function parseChannelEnvelope(env: unknown[]): ChannelEnvelope | null {
  const kind = env[0];
  const channel = env[1];
  if (typeof channel !== 'string') return null;
  switch (kind) {
    case T.Publication:
    case T.Reset:
      if (typeof env[2] !== 'string' || !isOffset(env[3])) return null;
      return kind === T.Publication
        ? { kind, channel, epoch: env[2], offset: env[3], data: env[4] }
        : { kind, channel, epoch: env[2], offset: env[3] };
    case T.Join:
    case T.Leave:
      return { kind, channel, info: env[2] };
    default:
      return null;
  }
}

/** Parses the server's answer to Subscribe, [17, id, channel, recovered, epoch, offset]; null when malformed. */
export function parseSubscribed(env: unknown[]): { channel: string; recovered: boolean; position: StreamPosition } | null {
  if (typeof env[2] !== 'string' || typeof env[3] !== 'boolean' || typeof env[4] !== 'string' || !isOffset(env[5])) return null;
  return { channel: env[2], recovered: env[3], position: { epoch: env[4], offset: env[5] } };
}

/**
 * Names of a channel's keys and pub/sub channel. All of them carry the same
 * hash tag `{c:<channel>}`, so that in a Redis Cluster they live in one slot:
 * a Lua script may touch them together, and a sharded publication goes to the
 * shard that holds them. The `c:` keeps the tag non-empty for an empty name.
 */
export interface ChannelKeys {
  /** Hash: `e` epoch, `o` last offset. */
  readonly meta: string;
  /** Stream of the publications kept for history; entry ids are `<offset>-0`. */
  readonly stream: string;
  /** Hash: clientId -> presence info. */
  readonly presence: string;
  /** Sorted set: clientId scored by the time (ms, Redis clock) its presence entry expires. */
  readonly presenceExpiry: string;
  /** The pub/sub channel carrying publications, joins and leaves. */
  readonly pubsub: string;
}

/** The keys of `channel` under `prefix`. */
export function channelKeys(prefix: string, channel: string): ChannelKeys {
  const base = `${prefix}:{c:${channel}}`;
  return {
    meta: `${base}:meta`,
    stream: `${base}:stream`,
    presence: `${base}:presence`,
    presenceExpiry: `${base}:presence-expiry`,
    pubsub: `${base}:events`,
  };
}

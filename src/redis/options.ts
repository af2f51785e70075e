/** Options of redisEngine(). */
export interface RedisEngineOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://...` (TLS). Default: redis://127.0.0.1:6379 unless `socketPath` is given. */
  readonly url?: string;
  /** A unix socket to connect to instead of `url`. */
  readonly socketPath?: string;
  /**
   * A Redis Cluster instead of one server: the URLs of some of its nodes
   * (`redis://[user:password@]host:port`; the credentials and TLS of the first
   * apply to every node). Each channel's keys and pub/sub channel live in one
   * slot; use it with `sharded: true`.
   */
  readonly cluster?: readonly string[];
  /** Prefix of every key and pub/sub channel the engine uses, so that several applications can share one Redis. No braces. Default 'zwire'. */
  readonly prefix?: string;
  /**
   * Use sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis 7+): with `cluster`, a
   * publication then travels only within the shard that holds its channel's
   * keys instead of being broadcast to every node of the cluster. Every node
   * of an application must use the same setting. Default false.
   */
  readonly sharded?: boolean;
  /** A command (publish, history, presence, subscribe) not answered within this time rejects with UNAVAILABLE. Default 5000 ms. */
  readonly commandTimeoutMs?: number;
  /**
   * Each connection is sent a PING this often; one not answered within
   * `commandTimeoutMs` is taken for dead (a hung Redis, a half-open TCP
   * connection) and made again, its channels subscribed again and reported
   * by `interrupted()`. Not with `cluster` (node-redis's cluster client does
   * not expose its connections). Default 10000 ms.
   */
  readonly probeIntervalMs?: number;
  /** start() rejects with UNAVAILABLE if Redis cannot be reached within this time. Default 10000 ms. */
  readonly connectTimeoutMs?: number;
  /** A presence entry lives this long unless its node refreshes it (every third of it): a node that dies has its entries expire after this. Default 60000 ms. */
  readonly presenceTtlMs?: number;
  /**
   * How long the epoch and offset of a channel that keeps no history live
   * after its last publication (with history, they live as long as the
   * history: its `ttlMs`). Default 24 hours. A channel idle for longer starts
   * a new epoch.
   */
  readonly metaTtlMs?: number;
  /** Longest pause between reconnection attempts. Default 2000 ms. */
  readonly maxReconnectDelayMs?: number;
  /** Failures that no caller awaits: connection errors while reconnecting, failed presence refreshes, a handler that threw. Default: ignored. */
  readonly onError?: (err: Error) => void;
}

/** RedisEngineOptions with every default applied. */
export interface ResolvedOptions {
  readonly url: string | undefined;
  readonly socketPath: string | undefined;
  readonly cluster: readonly string[] | undefined;
  readonly prefix: string;
  readonly sharded: boolean;
  readonly commandTimeoutMs: number;
  readonly probeIntervalMs: number;
  readonly connectTimeoutMs: number;
  readonly presenceTtlMs: number;
  readonly metaTtlMs: number;
  readonly maxReconnectDelayMs: number;
  readonly onError: (err: Error) => void;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`redisEngine: ${name} must be a positive number, got ${value}`);
  return value;
}

/** Checks the options and applies the defaults. */
export function resolveOptions(opts: RedisEngineOptions): ResolvedOptions {
  const prefix = opts.prefix ?? 'zwire';
  if (/[{}]/.test(prefix)) throw new RangeError('redisEngine: prefix must not contain braces (they would decide the cluster slot)');
  const places = [opts.url, opts.socketPath, opts.cluster].filter((p) => p !== undefined).length;
  if (places > 1) throw new RangeError('redisEngine: give one of url, socketPath and cluster');
  if (opts.cluster !== undefined && opts.cluster.length === 0) throw new RangeError('redisEngine: cluster needs at least one node URL');
  return {
    url: opts.url,
    socketPath: opts.socketPath,
    cluster: opts.cluster,
    prefix,
    sharded: opts.sharded ?? false,
    commandTimeoutMs: positive('commandTimeoutMs', opts.commandTimeoutMs, 5000),
    probeIntervalMs: positive('probeIntervalMs', opts.probeIntervalMs, 10_000),
    connectTimeoutMs: positive('connectTimeoutMs', opts.connectTimeoutMs, 10_000),
    presenceTtlMs: positive('presenceTtlMs', opts.presenceTtlMs, 60_000),
    metaTtlMs: positive('metaTtlMs', opts.metaTtlMs, DAY_MS),
    maxReconnectDelayMs: positive('maxReconnectDelayMs', opts.maxReconnectDelayMs, 2000),
    onError: opts.onError ?? (() => {}),
  };
}

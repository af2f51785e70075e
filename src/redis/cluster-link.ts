import { RedisEngineError, engineError } from './errors.js';
import { loadRedis, MAX_QUEUED_COMMANDS, reconnectStrategy, runScript, subscribedWithin, within } from './link.js';
import type { Arg, Listener, RedisLink, RedisModule, Script } from './link.js';
import type { ResolvedOptions } from './options.js';

/** Which node of the cluster an event is about. */
interface NodeInfo {
  readonly host: string;
  readonly port: number;
}

/** A listener as node-redis's cluster client types it: for strings or buffers (buffers, in buffer mode). */
type ClusterListener = <T extends string | Buffer>(message: T, channel: T) => unknown;

/** The part of a node-redis cluster client the engine uses. */
interface Cluster {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(firstKey: string, isReadonly: boolean, args: Arg[]): Promise<unknown>;
  SUBSCRIBE(channel: string, listener: ClusterListener, bufferMode: true): Promise<void>;
  UNSUBSCRIBE(channel: string, listener: ClusterListener, bufferMode: true): Promise<void>;
  SSUBSCRIBE(channel: string, listener: ClusterListener, bufferMode: true): Promise<void>;
  SUNSUBSCRIBE(channel: string, listener: ClusterListener, bufferMode: true): Promise<void>;
  on(event: 'error' | 'node-error', listener: (err: unknown) => void): unknown;
  on(event: 'node-reconnecting' | 'node-ready', listener: (node: NodeInfo) => void): unknown;
  close(): Promise<void>;
  destroy(): void;
}

/** Credentials and TLS of the first node's URL, which node-redis applies only to the nodes it is given, not to those it discovers. */
function defaultsFrom(url: string): { username?: string; password?: string; tls: boolean } {
  const u = new URL(url);
  return {
    ...(u.username !== '' ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password !== '' ? { password: decodeURIComponent(u.password) } : {}),
    tls: u.protocol === 'rediss:',
  };
}

/**
 * The engine on a Redis Cluster, through node-redis's cluster client: each
 * script goes to the shard holding its channel's slot, each sharded
 * subscription to that shard's pub/sub connection. Any connection of a node
 * that reconnects counts as an interruption of every subscription (node-redis
 * does not say which connection it was; a needless catch-up from history
 * costs little, a missed one loses publications).
 */
export class ClusterLink implements RedisLink {
  private readonly interrupted = new Set<string>();
  /** The function node-redis holds for each of the engine's listeners. */
  private readonly listeners = new Map<Listener, ClusterListener>();
  private readonly resubscribed: (() => void)[] = [];

  private constructor(
    private readonly mod: RedisModule,
    private readonly cluster: Cluster,
    private readonly opts: ResolvedOptions,
  ) {}

  static async open(opts: ResolvedOptions, urls: readonly string[]): Promise<ClusterLink> {
    const mod = await loadRedis();
    const { tls, ...credentials } = defaultsFrom(urls[0] ?? '');
    const cluster: Cluster = mod.createCluster({
      rootNodes: urls.map((url) => ({ url })),
      defaults: {
        ...credentials,
        socket: { connectTimeout: opts.connectTimeoutMs, reconnectStrategy: reconnectStrategy(opts.maxReconnectDelayMs), ...(tls ? { tls } : {}) },
        disableOfflineQueue: true,
        commandsQueueMaxLength: MAX_QUEUED_COMMANDS,
      },
      commandOptions: { typeMapping: { [mod.RESP_TYPES.BLOB_STRING]: Buffer } },
    });
    const link = new ClusterLink(mod, cluster, opts);
    cluster.on('error', (err) => opts.onError(link.error(err)));
    cluster.on('node-error', (err) => opts.onError(link.error(err)));
    cluster.on('node-reconnecting', (node) => link.interrupted.add(`${node.host}:${node.port}`));
    cluster.on('node-ready', (node) => {
      if (!link.interrupted.delete(`${node.host}:${node.port}`)) return;
      for (const fn of link.resubscribed) fn();
    });
    try {
      await within(cluster.connect(), opts.connectTimeoutMs, 'connecting');
    } catch (err) {
      cluster.destroy();
      throw link.error(err);
    }
    return link;
  }

  private error(err: unknown): RedisEngineError {
    return engineError(err, (e) => e instanceof this.mod.ErrorReply);
  }

  run(s: Script, keys: readonly string[], args: readonly Arg[]): Promise<unknown> {
    const slotKey = keys[0] ?? '';
    return runScript(
      (a) => within(this.cluster.sendCommand(slotKey, false, [...a]), this.opts.commandTimeoutMs, 'a command'),
      (err) => err instanceof this.mod.ErrorReply && err.message.startsWith('NOSCRIPT'),
      (err) => this.error(err),
      s,
      keys,
      args,
    );
  }

  async subscribe(name: string, listener: Listener): Promise<void> {
    if (!this.cluster.isReady) throw new RedisEngineError('UNAVAILABLE', 'redis: the cluster is not connected');
    const wrapped: ClusterListener = (message) => listener(Buffer.isBuffer(message) ? message : Buffer.from(message));
    this.listeners.set(listener, wrapped);
    const subscribing = this.opts.sharded
      ? this.cluster.SSUBSCRIBE(name, wrapped, true)
      : this.cluster.SUBSCRIBE(name, wrapped, true);
    subscribing.catch(() => this.listeners.delete(listener));
    await subscribedWithin(subscribing, this.opts.commandTimeoutMs, () => this.unsubscribe(name, listener), (err) => this.error(err));
  }

  async unsubscribe(name: string, listener: Listener): Promise<void> {
    const wrapped = this.listeners.get(listener);
    if (wrapped === undefined) return;
    this.listeners.delete(listener);
    const unsubscribing = this.opts.sharded
      ? this.cluster.SUNSUBSCRIBE(name, wrapped, true)
      : this.cluster.UNSUBSCRIBE(name, wrapped, true);
    await within(
      unsubscribing.catch((err: unknown) => this.opts.onError(this.error(err))),
      this.opts.commandTimeoutMs,
      'unsubscribing',
    ).catch(() => {});
  }

  onResubscribed(fn: () => void): void {
    this.resubscribed.push(fn);
  }

  onReconnected(fn: () => void): void {
    this.resubscribed.push(fn);
  }

  async close(): Promise<void> {
    if (!this.cluster.isOpen) return;
    await this.cluster.close().catch(() => this.cluster.destroy());
  }
}

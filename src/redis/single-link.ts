import { RedisEngineError, engineError } from './errors.js';
import { loadRedis, MAX_QUEUED_COMMANDS, reconnectStrategy, runScript, subscribedWithin, within } from './link.js';
import type { Arg, Listener, RedisLink, RedisModule, Script } from './link.js';
import type { ResolvedOptions } from './options.js';

/** The part of a node-redis client the engine uses. */
interface Client {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(args: readonly Arg[]): Promise<unknown>;
  SUBSCRIBE(channel: string, listener: Listener, bufferMode: true): Promise<void>;
  UNSUBSCRIBE(channel: string, listener: Listener, bufferMode: true): Promise<void>;
  SSUBSCRIBE(channel: string, listener: Listener, bufferMode: true): Promise<void>;
  SUNSUBSCRIBE(channel: string, listener: Listener, bufferMode: true): Promise<void>;
  on(event: 'error', listener: (err: unknown) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  close(): Promise<void>;
  destroy(): void;
}

/**
 * The engine's two connections to one Redis: one for commands and scripts,
 * one in subscribed mode (a connection that subscribes can run nothing else).
 * Both reconnect by themselves; node-redis subscribes the second one again to
 * every channel it held.
 */
export class SingleLink implements RedisLink {
  private readonly probing = new Set<Client>();
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly mod: RedisModule,
    private readonly cmd: Client,
    private readonly sub: Client,
    private readonly opts: ResolvedOptions,
  ) {}

  /** Connects both, or rejects with UNAVAILABLE (REDIS_NOT_INSTALLED without node-redis) within the connect timeout. */
  static async open(opts: ResolvedOptions): Promise<SingleLink> {
    const mod = await loadRedis();
    const socket = {
      connectTimeout: opts.connectTimeoutMs,
      reconnectStrategy: reconnectStrategy(opts.maxReconnectDelayMs),
      ...(opts.socketPath !== undefined ? { path: opts.socketPath, tls: false as const } : {}),
    };
    const created = mod.createClient({
      ...(opts.url !== undefined ? { url: opts.url } : {}),
      socket,
      // A command issued while disconnected fails at once instead of waiting, unbounded, for Redis to come back.
      disableOfflineQueue: true,
      // While Redis hangs, commands that timed out here still wait for their answer: bound how many.
      commandsQueueMaxLength: MAX_QUEUED_COMMANDS,
      commandOptions: { timeout: opts.commandTimeoutMs, typeMapping: { [mod.RESP_TYPES.BLOB_STRING]: Buffer } },
    });
    const cmd: Client = created;
    const sub: Client = created.duplicate();
    const link = new SingleLink(mod, cmd, sub, opts);
    for (const c of [cmd, sub]) c.on('error', (err: unknown) => opts.onError(link.error(err)));
    try {
      await within(Promise.all([cmd.connect(), sub.connect()]), opts.connectTimeoutMs, 'connecting');
    } catch (err) {
      cmd.destroy();
      sub.destroy();
      throw link.error(err);
    }
    link.probeTimer = setInterval(() => {
      for (const c of [cmd, sub]) void link.probe(c);
    }, opts.probeIntervalMs);
    link.probeTimer.unref();
    return link;
  }

  /**
   * PINGs a connection node-redis holds for ready. Without an answer in time
   * it is made again: node-redis alone would wait for TCP keepalive to notice
   * a dead peer, and meanwhile deliver nothing.
   */
  private async probe(c: Client): Promise<void> {
    if (!c.isReady || this.probing.has(c)) return;
    this.probing.add(c);
    try {
      await within(c.sendCommand(['PING']), this.opts.commandTimeoutMs, 'PING');
    } catch (err) {
      // Not ready: the failure was the connection's own, and node-redis is already reconnecting.
      if (!c.isReady || this.closed) return;
      this.opts.onError(new RedisEngineError('UNAVAILABLE', 'redis: a connection did not answer PING; connecting again', { cause: err }));
      c.destroy();
      c.connect().catch((e: unknown) => this.opts.onError(this.error(e)));
    } finally {
      this.probing.delete(c);
    }
  }

  /** The engine's error for anything node-redis rejected with. */
  private error(err: unknown): RedisEngineError {
    return engineError(err, (e) => e instanceof this.mod.ErrorReply);
  }

  run(s: Script, keys: readonly string[], args: readonly Arg[]): Promise<unknown> {
    return runScript(
      // node-redis's own timeout stops once a command is written, and a Redis that hangs answers nothing written.
      (a) => within(this.cmd.sendCommand(a), this.opts.commandTimeoutMs, 'a command'),
      (err) => err instanceof this.mod.ErrorReply && err.message.startsWith('NOSCRIPT'),
      (err) => this.error(err),
      s,
      keys,
      args,
    );
  }

  /**
   * Refused at once only while Redis cannot be reached (the command connection
   * is down too). The two connections reconnect each on its own backoff, up to
   * maxReconnectDelayMs apart: while commands already go through, node-redis
   * holds a SUBSCRIBE for the pub/sub connection's next attempt, and rejects
   * it if that attempt fails; refusing it instead would refuse subscriptions
   * on a node that publishes again.
   */
  async subscribe(name: string, listener: Listener): Promise<void> {
    if (!this.sub.isReady && !this.cmd.isReady) throw new RedisEngineError('UNAVAILABLE', 'redis: not connected (reconnecting)');
    const subscribing = this.opts.sharded
      ? this.sub.SSUBSCRIBE(name, listener, true)
      : this.sub.SUBSCRIBE(name, listener, true);
    await subscribedWithin(subscribing, this.opts.commandTimeoutMs, () => this.unsubscribe(name, listener), (err) => this.error(err));
  }

  /** While disconnected it does not wait: node-redis forgets the channel once Redis confirms, after the reconnection. */
  async unsubscribe(name: string, listener: Listener): Promise<void> {
    const unsubscribing = this.opts.sharded
      ? this.sub.SUNSUBSCRIBE(name, listener, true)
      : this.sub.UNSUBSCRIBE(name, listener, true);
    const settled = unsubscribing.catch((err: unknown) => this.opts.onError(this.error(err)));
    if (this.sub.isReady) await within(settled, this.opts.commandTimeoutMs, 'unsubscribing').catch(() => {});
  }

  /** The pub/sub connection is ready again after it was lost, its channels subscribed again. */
  onResubscribed(fn: () => void): void {
    this.sub.on('ready', fn);
  }

  onReconnected(fn: () => void): void {
    this.cmd.on('ready', fn);
  }

  /** Closes both connections; pending commands get their answers first if Redis is there. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.probeTimer);
    await Promise.all(
      [this.cmd, this.sub].map(async (c) => {
        if (!c.isOpen) return;
        if (!c.isReady) return c.destroy();
        await c.close().catch(() => c.destroy());
      }),
    );
  }
}

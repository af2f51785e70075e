import { createHash } from 'node:crypto';
import { RedisEngineError, engineError } from './errors.js';
import type { ResolvedOptions } from './options.js';

type RedisModule = typeof import('redis');
/** Commands sent and not yet answered, at most; more reject with UNAVAILABLE. */
const MAX_QUEUED_COMMANDS = 100_000;

/** A pub/sub listener in node-redis's buffer mode. */
export type Listener = (message: Buffer) => void;
/** What a script or command takes: strings and binary-safe buffers. */
export type Arg = string | Buffer;

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

/** A Lua script run by its SHA1 (EVALSHA), sent in full only when Redis does not have it (after a restart). */
export interface Script {
  readonly text: string;
  readonly sha: string;
}

/** Prepares a script's text for running. */
export function script(text: string): Script {
  return { text, sha: createHash('sha1').update(text).digest('hex') };
}

/** Loads node-redis on first use: zwire/redis can be imported without it; start() says what is missing. */
async function loadRedis(): Promise<RedisModule> {
  try {
    return await import('redis');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new RedisEngineError(
        'REDIS_NOT_INSTALLED',
        "zwire/redis needs the package 'redis' (node-redis 5 or later): npm install redis",
        { cause: err },
      );
    }
    throw err;
  }
}

/** Rejects with UNAVAILABLE when `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisEngineError('UNAVAILABLE', `redis: ${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The engine's two connections to Redis: one for commands and scripts, one in
 * subscribed mode (a connection that subscribes can run nothing else). Both
 * reconnect by themselves; node-redis subscribes the second one again to
 * every channel it held.
 */
export class RedisClients {
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
  static async open(opts: ResolvedOptions): Promise<RedisClients> {
    const mod = await loadRedis();
    const reconnectStrategy = (retries: number): number =>
      Math.min(50 * 2 ** Math.min(retries, 10), opts.maxReconnectDelayMs) + Math.floor(Math.random() * 50);
    const socket = {
      connectTimeout: opts.connectTimeoutMs,
      reconnectStrategy,
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
    const clients = new RedisClients(mod, cmd, sub, opts);
    for (const c of [cmd, sub]) c.on('error', (err: unknown) => opts.onError(clients.error(err)));
    try {
      await within(Promise.all([cmd.connect(), sub.connect()]), opts.connectTimeoutMs, 'connecting');
    } catch (err) {
      cmd.destroy();
      sub.destroy();
      throw clients.error(err);
    }
    clients.probeTimer = setInterval(() => {
      for (const c of [cmd, sub]) void clients.probe(c);
    }, opts.probeIntervalMs);
    clients.probeTimer.unref();
    return clients;
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
  error(err: unknown): RedisEngineError {
    return engineError(err, (e) => e instanceof this.mod.ErrorReply);
  }

  /** Runs a script; rejects with a RedisEngineError. */
  async run(s: Script, keys: readonly string[], args: readonly Arg[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.command(['EVALSHA', s.sha, ...tail]);
    } catch (err) {
      if (!(err instanceof this.mod.ErrorReply && err.message.startsWith('NOSCRIPT'))) throw this.error(err);
    }
    try {
      return await this.command(['EVAL', s.text, ...tail]);
    } catch (err) {
      throw this.error(err);
    }
  }

  /**
   * Sends a command, bounded in time: node-redis's own timeout stops at the
   * write, and a Redis that hangs answers nothing written.
   */
  private command(args: readonly Arg[]): Promise<unknown> {
    return within(this.cmd.sendCommand(args), this.opts.commandTimeoutMs, 'a command');
  }

  /** Subscribes the pub/sub connection to `name`; rejects with UNAVAILABLE at once while it is disconnected, or after the command timeout. */
  async subscribe(name: string, listener: Listener): Promise<void> {
    if (!this.sub.isReady) throw new RedisEngineError('UNAVAILABLE', 'redis: the pub/sub connection is down');
    const subscribing = this.opts.sharded
      ? this.sub.SSUBSCRIBE(name, listener, true)
      : this.sub.SUBSCRIBE(name, listener, true);
    try {
      await within(subscribing, this.opts.commandTimeoutMs, 'subscribing');
    } catch (err) {
      // It may still succeed later: undo it then, so that it is not renewed on every reconnect.
      subscribing.then(() => this.unsubscribe(name, listener), () => {});
      throw this.error(err);
    }
  }

  /**
   * Drops the subscription. While disconnected it does not wait: node-redis
   * forgets the channel once Redis confirms, after the reconnection.
   */
  async unsubscribe(name: string, listener: Listener): Promise<void> {
    const unsubscribing = this.opts.sharded
      ? this.sub.SUNSUBSCRIBE(name, listener, true)
      : this.sub.UNSUBSCRIBE(name, listener, true);
    const settled = unsubscribing.catch((err: unknown) => this.opts.onError(this.error(err)));
    if (this.sub.isReady) await within(settled, this.opts.commandTimeoutMs, 'unsubscribing').catch(() => {});
  }

  /** Calls `fn` each time the pub/sub connection is ready again after it was lost (its channels subscribed again). */
  onResubscribed(fn: () => void): void {
    this.sub.on('ready', fn);
  }

  /** Calls `fn` each time the command connection is ready again after it was lost. */
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

import { createHash } from 'node:crypto';
import { RedisEngineError } from './errors.js';

/** node-redis, as loaded on first use. */
export type RedisModule = typeof import('redis');
/** A pub/sub listener in node-redis's buffer mode. */
export type Listener = (message: Buffer) => void;
/** What a script or command takes: strings and binary-safe buffers. */
export type Arg = string | Buffer;

/** Commands sent and not yet answered, at most, per connection; more reject with UNAVAILABLE. */
export const MAX_QUEUED_COMMANDS = 100_000;

/** A Lua script run by its SHA1 (EVALSHA), sent in full only when Redis does not have it (after a restart). */
export interface Script {
  readonly text: string;
  readonly sha: string;
}

/** Prepares a script's text for running. */
export function script(text: string): Script {
  return { text, sha: createHash('sha1').update(text).digest('hex') };
}

/**
 * The engine's way to Redis, one server or a cluster: scripts on a channel's
 * keys, and subscriptions to its pub/sub channel. Every method rejects with a
 * RedisEngineError.
 */
export interface RedisLink {
  /** Runs a script on `keys` (all in one slot). */
  run(s: Script, keys: readonly string[], args: readonly Arg[]): Promise<unknown>;
  /**
   * Subscribes to a pub/sub channel; rejects with UNAVAILABLE at once while
   * Redis cannot be reached, or after the command timeout. On a single Redis,
   * while commands go through and only the pub/sub connection is still
   * reconnecting, it waits for that connection's next attempt.
   */
  subscribe(name: string, listener: Listener): Promise<void>;
  /** Drops a subscription; does not wait while disconnected. */
  unsubscribe(name: string, listener: Listener): Promise<void>;
  /** Calls `fn` whenever pub/sub deliveries may have been lost and the subscriptions are back. */
  onResubscribed(fn: () => void): void;
  /** Calls `fn` whenever commands can be sent again after a loss. */
  onReconnected(fn: () => void): void;
  close(): Promise<void>;
}

/** Loads node-redis on first use: zwire/redis can be imported without it; start() says what is missing. */
export async function loadRedis(): Promise<RedisModule> {
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
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisEngineError('UNAVAILABLE', `redis: ${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Waits for a subscription for at most `ms`. One that took longer may still
 * succeed later: it is undone then, so that it is not renewed on every
 * reconnect while nobody listens.
 */
export async function subscribedWithin(
  subscribing: Promise<void>,
  ms: number,
  undo: () => Promise<void>,
  toError: (err: unknown) => RedisEngineError,
): Promise<void> {
  try {
    await within(subscribing, ms, 'subscribing');
  } catch (err) {
    subscribing.then(undo, () => {});
    throw toError(err);
  }
}

/** Backs off from 50 ms to `max`, with jitter so that nodes do not reconnect in step. */
export function reconnectStrategy(max: number): (retries: number) => number {
  return (retries) => Math.min(50 * 2 ** Math.min(retries, 10), max) + Math.floor(Math.random() * 50);
}

/**
 * Runs a script by EVALSHA through `command`, and by EVAL when Redis answers
 * NOSCRIPT (it restarted, or this shard never saw the script).
 */
export async function runScript(
  command: (args: readonly Arg[]) => Promise<unknown>,
  isNoScript: (err: unknown) => boolean,
  toError: (err: unknown) => RedisEngineError,
  s: Script,
  keys: readonly string[],
  args: readonly Arg[],
): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return await command(['EVALSHA', s.sha, ...tail]);
  } catch (err) {
    if (!isNoScript(err)) throw toError(err);
  }
  try {
    return await command(['EVAL', s.text, ...tail]);
  } catch (err) {
    throw toError(err);
  }
}

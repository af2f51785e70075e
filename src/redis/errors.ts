import { ZwireError } from '../errors.js';

/**
 * A failure of the Redis engine. `UNAVAILABLE`: Redis could not be reached or
 * did not answer within the command timeout, or the engine is not started or
 * closed (nothing is reported done that was not; a timed-out publish may still
 * have been applied). `REDIS_ERROR`: Redis answered with an error.
 * `ALREADY_STARTED`: start() called a second time. `REDIS_NOT_INSTALLED`: the
 * optional peer dependency `redis` is missing.
 */
export class RedisEngineError extends ZwireError {
  declare readonly code: 'UNAVAILABLE' | 'REDIS_ERROR' | 'ALREADY_STARTED' | 'REDIS_NOT_INSTALLED';

  constructor(code: RedisEngineError['code'], message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Error replies that mean "Redis is there but cannot serve now", not "the command is wrong". */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY|NOREPLICAS)\b/;

/** The engine's error for what node-redis rejected with. `isReply` tells an error reply of Redis from a client-side failure. */
export function engineError(err: unknown, isReply: (err: unknown) => boolean): RedisEngineError {
  if (err instanceof RedisEngineError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (isReply(err) && !TRANSIENT_REPLY.test(message)) {
    return new RedisEngineError('REDIS_ERROR', `redis: ${message}`, { cause: err });
  }
  return new RedisEngineError('UNAVAILABLE', `redis unavailable: ${message}`, { cause: err });
}

/** A reply of a shape the engine's scripts never send. */
export function malformed(what: string): RedisEngineError {
  return new RedisEngineError('REDIS_ERROR', `redis: unexpected reply to ${what}`);
}

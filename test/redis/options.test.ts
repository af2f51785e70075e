import { expect, it } from 'vitest';
import { redisEngine } from '../../src/redis/index.js';

it('redisEngine() refuses options it cannot honour, when it is called', () => {
  expect(() => redisEngine({ prefix: 'app{1}' })).toThrow(RangeError);
  expect(() => redisEngine({ url: 'redis://127.0.0.1', socketPath: '/tmp/r.sock' })).toThrow(RangeError);
  expect(() => redisEngine({ commandTimeoutMs: 0 })).toThrow(/commandTimeoutMs/);
  expect(() => redisEngine({ presenceTtlMs: Number.NaN })).toThrow(/presenceTtlMs/);
  expect(() => redisEngine({ prefix: 'app', sharded: true, probeIntervalMs: 1000 })).not.toThrow();
});

import { afterAll, beforeAll } from 'vitest';
import { redisEngine } from '../../src/redis/index.js';
import { engineContract } from '../engine/contract.js';
import { describeWithRedis, RedisServer } from './redis-server.js';

describeWithRedis('redisEngine against a real redis-server', () => {
  const server = new RedisServer();
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  engineContract('redisEngine', { make: () => redisEngine({ socketPath: server.socketPath }), shared: true });
  engineContract('redisEngine, sharded pub/sub', {
    make: () => redisEngine({ socketPath: server.socketPath, sharded: true, prefix: 'sharded' }),
    shared: true,
  });
});

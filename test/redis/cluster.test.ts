/**
 * The engine on a real three-master Redis Cluster: the contract suite with
 * sharded pub/sub, and one master restarted (its shard's data lost) while
 * the others go on.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { redisEngine } from '../../src/redis/index.js';
import type { RedisEngineOptions } from '../../src/redis/index.js';
import { bytes, engineContract, eventually, Recorder } from '../engine/contract.js';
import { RedisCluster } from './redis-cluster.js';
import { describeWithRedis } from './redis-server.js';

class Watcher extends Recorder {
  interruptions = 0;
  interrupted(): void {
    this.interruptions++;
  }
}

describeWithRedis('redisEngine on a Redis Cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await RedisCluster.start();
  }, 60_000);
  afterAll(() => cluster.stop());

  const options = (): RedisEngineOptions => ({ cluster: cluster.urls.slice(0, 1), sharded: true, maxReconnectDelayMs: 200 });
  engineContract('redisEngine, cluster', { make: () => redisEngine(options()), shared: true });

  const engines: Engine[] = [];
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
  });

  it('goes on with the other shards while one master is down, and resubscribes its channels when it is back', async () => {
    const a = redisEngine(options());
    const b = redisEngine(options());
    const rec = new Watcher();
    await a.start(rec);
    await b.start(new Recorder());
    engines.push(a, b);
    const channels = Array.from({ length: 12 }, (_, i) => `shard:${i}`);
    await Promise.all(channels.map((c) => a.subscribe(c)));
    const before = await Promise.all(channels.map((c) => b.publish(c, bytes('before'), { history: { size: 10, ttlMs: 60_000 } })));
    await eventually(() => rec.publications.length === 12);

    const downNode = cluster.nodes[0]!;
    await downNode.kill();
    const during = await Promise.all(channels.map((c) => b.publish(c, bytes('during')).then(() => 'ok', (e: { code?: string }) => e.code)));
    expect(during).toContain('ok');
    expect(during).toContain('UNAVAILABLE');
    expect(new Set(during)).toEqual(new Set(['ok', 'UNAVAILABLE']));
    const alive = channels.filter((_, i) => during[i] === 'ok');
    await eventually(() => alive.every((c) => rec.on(c).includes('during')));

    await downNode.start();
    await cluster.untilOk();
    await eventually(() => rec.interruptions > 0, 15_000);
    const after = await Promise.all(
      channels.map(async (c) => {
        for (const end = Date.now() + 15_000; ; ) {
          try {
            return await b.publish(c, bytes('after'), { history: { size: 10, ttlMs: 60_000 } });
          } catch (err) {
            if (Date.now() > end) throw err;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      }),
    );
    await eventually(() => channels.every((c) => rec.on(c).includes('after')), 15_000);
    // The restarted master came back empty: its channels start new epochs, the others keep theirs.
    channels.forEach((c, i) => {
      if (during[i] === 'ok') expect(after[i]!.epoch).toBe(before[i]!.epoch);
      else expect(after[i]).toEqual({ epoch: expect.not.stringMatching(`^${before[i]!.epoch}$`), offset: 1 });
    });
  }, 90_000);
});

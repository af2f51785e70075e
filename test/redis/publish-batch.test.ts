/**
 * The Redis engine's publish batching: the publications of one event-loop
 * turn go to Redis as one script call, each still with its own position in
 * its channel's order, or its own error.
 */
import { afterEach, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { RedisEngineError, redisEngine } from '../../src/redis/index.js';
import { MAX_BATCH } from '../../src/redis/publish-batch.js';
import { bytes, eventually, Recorder, text } from '../engine/contract.js';
import { describeWithRedis, serverWithAdmin } from './redis-server.js';

const H = { size: 1000, ttlMs: 60_000 };

describeWithRedis('redisEngine publish batching', () => {
  const { server, admin } = serverWithAdmin();

  const engines: Engine[] = [];
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
  });

  async function node(): Promise<{ engine: Engine; rec: Recorder }> {
    const engine = redisEngine({ socketPath: server.socketPath });
    const rec = new Recorder();
    await engine.start(rec);
    engines.push(engine);
    return { engine, rec };
  }

  /** Script calls Redis has run so far (EVALSHA and EVAL). */
  async function scriptCalls(): Promise<number> {
    const info = String(await admin.sendCommand(['INFO', 'commandstats']));
    let calls = 0;
    for (const m of info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)) calls += Number(m[1]);
    return calls;
  }

  it('sends the publications of one turn as one script call, each with its own offset, in call order', async () => {
    const { engine, rec } = await node();
    await engine.subscribe('b:one');
    await engine.subscribe('b:two');
    await engine.publish('b:one', bytes('warm'));
    const before = await scriptCalls();
    const positions = await Promise.all(
      Array.from({ length: 20 }, (_, i) => engine.publish(i % 2 === 0 ? 'b:one' : 'b:two', bytes(`m${i}`), { history: H })),
    );
    // INFO commandstats counts itself in no script call: the difference is the batch alone
    expect((await scriptCalls()) - before).toBe(1);
    expect(positions.filter((_, i) => i % 2 === 0).map((p) => p.offset)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(positions.filter((_, i) => i % 2 === 1).map((p) => p.offset)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await eventually(() => rec.publications.length === 21);
    expect(rec.on('b:two')).toEqual(Array.from({ length: 10 }, (_, i) => `m${2 * i + 1}`));
    const h = await engine.history('b:one', { since: { epoch: positions[0]!.epoch, offset: 1 } });
    expect(h.publications.map((p) => text(p.data))).toEqual(Array.from({ length: 10 }, (_, i) => `m${2 * i}`));
  });

  it('splits a turn of more than MAX_BATCH publications over several calls, keeping the order', async () => {
    const { engine, rec } = await node();
    await engine.subscribe('b:many');
    const n = MAX_BATCH * 2 + 3;
    const before = await scriptCalls();
    const positions = await Promise.all(Array.from({ length: n }, (_, i) => engine.publish('b:many', bytes(String(i)))));
    expect((await scriptCalls()) - before).toBe(3);
    expect(positions.map((p) => p.offset)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    await eventually(() => rec.publications.length === n);
    expect(rec.on('b:many')).toEqual(Array.from({ length: n }, (_, i) => String(i)));
  });

  it('fails only the publications whose keys Redis refuses, not the rest of the batch', async () => {
    const { engine, rec } = await node();
    await engine.subscribe('b:good');
    await admin.set('zwire:{c:b:bad}:meta', 'not a hash');
    const outcomes = await Promise.allSettled([
      engine.publish('b:good', bytes('g1')),
      engine.publish('b:bad', bytes('x')),
      engine.publish('b:good', bytes('g2')),
    ]);
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { offset: 1 } });
    expect(outcomes[2]).toMatchObject({ status: 'fulfilled', value: { offset: 2 } });
    const failed = outcomes[1];
    expect(failed?.status).toBe('rejected');
    const err = (failed as PromiseRejectedResult).reason as RedisEngineError;
    expect(err).toBeInstanceOf(RedisEngineError);
    expect(err.code).toBe('REDIS_ERROR');
    expect(err.message).toMatch(/WRONGTYPE/);
    await eventually(() => rec.publications.length === 2);
    expect(rec.on('b:good')).toEqual(['g1', 'g2']);
  });

  it('sends what is queued when the engine closes in the same turn', async () => {
    const { engine } = await node();
    const published = engine.publish('b:closing', bytes('last'));
    await engine.close();
    expect((await published).offset).toBe(1);
    const { engine: other } = await node();
    const h = await other.history('b:closing');
    expect(h.position.offset).toBe(1);
  });
});

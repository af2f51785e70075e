/**
 * A subscribe made while a node's pub/sub connection is still reconnecting
 * but its command connection is back (Redis answers; the two connections
 * reconnect each on its own backoff): it waits for the pub/sub connection's
 * next attempt instead of being refused, while a node that cannot reach Redis
 * at all still refuses at once. The pub/sub connection is kept out by Redis's
 * `maxclients` while the command connection stays up.
 */
import { afterEach, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { RedisEngineError, redisEngine } from '../../src/redis/index.js';
import { bytes, eventually, Recorder } from '../engine/contract.js';
import { describeWithRedis, serverWithAdmin } from './redis-server.js';

/**
 * A connection attempt Redis refuses for maxclients: Redis writes the error and closes, so the node reads
 * the error, or its own first write meets the closed socket first (EPIPE / ECONNRESET), a race on the wire.
 */
const REFUSED = /max number of clients|EPIPE|ECONNRESET/;

describeWithRedis('redisEngine subscribe while its pub/sub connection reconnects', () => {
  const { server, admin } = serverWithAdmin();

  const engines: Engine[] = [];
  afterEach(async () => {
    await admin.sendCommand(['CONFIG', 'SET', 'maxclients', '10000']);
    await Promise.all(engines.splice(0).map((e) => e.close()));
  });

  /** An engine whose reconnection attempts back off to 1 s, and the connection errors it reported. */
  async function node(): Promise<{ engine: Engine; rec: Recorder; errors: string[] }> {
    const errors: string[] = [];
    const engine = redisEngine({
      socketPath: server.socketPath,
      maxReconnectDelayMs: 1000,
      commandTimeoutMs: 3000,
      onError: (err) => errors.push(err.message),
    });
    const rec = new Recorder();
    await engine.start(rec);
    engines.push(engine);
    return { engine, rec, errors };
  }

  /**
   * Drops the engine's pub/sub connection and keeps it out (no room under
   * maxclients) until three of its attempts were refused: its backoff then
   * puts the next one a few hundred ms away. The command connection stays up.
   */
  async function pubSubKeptOut(errors: string[]): Promise<void> {
    const connected = Number(/connected_clients:(\d+)/.exec(String(await admin.sendCommand(['INFO', 'clients'])))?.[1]);
    await admin.sendCommand(['CONFIG', 'SET', 'maxclients', String(connected - 1)]);
    await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    await eventually(() => errors.filter((m) => REFUSED.test(m)).length >= 3, 5000);
  }

  /** Whether `p` has settled yet, asked later. */
  function settled(p: Promise<unknown>): () => boolean {
    let done = false;
    p.then(
      () => (done = true),
      () => (done = true),
    );
    return () => done;
  }

  it('waits for the pub/sub connection once commands go through again, and delivers on the channel', async () => {
    const { engine, rec, errors } = await node();
    await engine.subscribe('sr:warm');
    await pubSubKeptOut(errors);
    // Redis answers this node: it publishes
    expect((await engine.publish('sr:ch', bytes('before'))).offset).toBe(1);
    const subscribing = engine.subscribe('sr:ch');
    const done = settled(subscribing);
    await new Promise((r) => setTimeout(r, 50));
    expect(done()).toBe(false);
    await admin.sendCommand(['CONFIG', 'SET', 'maxclients', '10000']);
    await subscribing;
    await engine.publish('sr:ch', bytes('after'));
    await eventually(() => rec.on('sr:ch').includes('after'));
    expect(rec.on('sr:ch')).toEqual(['after']);
  });

  it("rejects when the pub/sub connection's next attempt fails, and is not subscribed once it is back", async () => {
    const { engine, rec, errors } = await node();
    await engine.subscribe('sr:warm');
    await pubSubKeptOut(errors);
    const err = await engine.subscribe('sr:refused').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RedisEngineError);
    expect((err as RedisEngineError).message).toMatch(REFUSED);
    await admin.sendCommand(['CONFIG', 'SET', 'maxclients', '10000']);
    // this one waits for the connection's next attempt, which gets in now
    await engine.subscribe('sr:check');
    const numsub = async (name: string): Promise<unknown> => ((await admin.sendCommand(['PUBSUB', 'NUMSUB', `zwire:{c:${name}}:events`])) as unknown[])[1];
    expect(await numsub('sr:check')).toBe(1);
    expect(await numsub('sr:refused')).toBe(0);
    await engine.publish('sr:refused', bytes('not for it'));
    await engine.publish('sr:check', bytes('seen'));
    await eventually(() => rec.on('sr:check').length === 1);
    expect(rec.on('sr:refused')).toEqual([]);
  });

  it('forgets a channel unsubscribed while waiting for the pub/sub connection', async () => {
    const { engine, rec, errors } = await node();
    await engine.subscribe('sr:warm');
    await pubSubKeptOut(errors);
    const subscribing = engine.subscribe('sr:gone');
    await engine.unsubscribe('sr:gone');
    await admin.sendCommand(['CONFIG', 'SET', 'maxclients', '10000']);
    await subscribing;
    await engine.subscribe('sr:check');
    await engine.publish('sr:gone', bytes('not for it'));
    await engine.publish('sr:check', bytes('seen'));
    await eventually(() => rec.on('sr:check').length === 1);
    expect(rec.on('sr:gone')).toEqual([]);
  });

  it('still refuses at once while Redis cannot be reached at all', async () => {
    const { engine } = await node();
    await server.kill();
    try {
      // the connections back off to attempts 400 ms and more apart
      await new Promise((r) => setTimeout(r, 800));
      const started = Date.now();
      const err = await engine.subscribe('sr:down').then(
        () => null,
        (e: unknown) => e,
      );
      expect((err as RedisEngineError).code).toBe('UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(100);
    } finally {
      await server.start();
    }
  });
});

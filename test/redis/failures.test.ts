/**
 * The Redis engine when Redis fails: down at publish, hung, restarted (every
 * key lost), missing at start; and what it does on its own: binary payloads,
 * presence kept alive by its node and expiring without it.
 */
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { RedisEngineError, redisEngine } from '../../src/redis/index.js';
import type { RedisEngineOptions } from '../../src/redis/index.js';
import { bytes, eventually, Recorder } from '../engine/contract.js';
import { describeWithRedis, RedisServer } from './redis-server.js';

/** A Recorder that also keeps the engine's interruption reports. */
class Watcher extends Recorder {
  readonly interruptions: string[][] = [];
  interrupted(channels: readonly string[]): void {
    this.interruptions.push([...channels].sort());
  }
}

async function rejection(p: Promise<unknown>): Promise<RedisEngineError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RedisEngineError);
    return err as RedisEngineError;
  }
  throw new Error('expected a rejection');
}

/** Retries `fn` until it resolves (Redis coming back), at most 10 s. */
async function once<T>(fn: () => Promise<T>): Promise<T> {
  const end = Date.now() + 10_000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The presence of `channel` once it lists someone again (Redis came back empty), within once()'s 10 s. */
function listedOnceAgain(engine: Engine, channel: string): Promise<string[]> {
  return once(async () => {
    const listed = [...(await engine.presence(channel)).keys()];
    if (listed.length === 0) throw new Error('not yet');
    return listed;
  });
}

const H = { size: 100, ttlMs: 60_000 };

describeWithRedis('redisEngine failures and Redis specifics', () => {
  const server = new RedisServer();
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  const engines: Engine[] = [];
  afterEach(async () => {
    server.resume();
    await Promise.all(engines.splice(0).map((e) => e.close()));
  });

  async function node(opts: RedisEngineOptions = {}): Promise<{ engine: Engine; rec: Watcher }> {
    const engine = redisEngine({ socketPath: server.socketPath, maxReconnectDelayMs: 200, ...opts });
    const rec = new Watcher();
    await engine.start(rec);
    engines.push(engine);
    return { engine, rec };
  }

  it('carries every byte value, in payloads, client ids and presence info, to subscribers and history', async () => {
    const { engine, rec } = await node();
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const colons = bytes('p1:x:y\r\n$3\r\n');
    await engine.subscribe('bin:ch');
    const first = await engine.publish('bin:ch', all, { history: H });
    await engine.publish('bin:ch', colons, { history: H });
    await engine.publish('bin:ch', new Uint8Array(0), { history: H });
    await eventually(() => rec.publications.length === 3);
    expect(rec.publications.map((p) => Buffer.from(p.pub.data))).toEqual([Buffer.from(all), Buffer.from(colons), Buffer.alloc(0)]);
    const h = await engine.history('bin:ch', { since: { epoch: first.epoch, offset: 0 } });
    expect(h.publications.map((p) => Buffer.from(p.data))).toEqual([Buffer.from(all), Buffer.from(colons), Buffer.alloc(0)]);
    const id = 'c:1:é:日本';
    await engine.addPresence('bin:ch', id, all);
    await eventually(() => rec.joins.length === 1);
    expect(rec.joins[0]?.clientId).toBe(id);
    expect(Buffer.from((await engine.presence('bin:ch')).get(id) ?? [])).toEqual(Buffer.from(all));
  });

  it('hands out small payloads on their own memory, not as views of whole socket reads', async () => {
    const { engine, rec } = await node();
    await engine.subscribe('own:ch');
    const data = Buffer.alloc(100, 7);
    const burst = await Promise.all(Array.from({ length: 300 }, () => engine.publish('own:ch', data, { history: H })));
    await eventually(() => rec.publications.length === 300);
    const h = await engine.history('own:ch', { since: { epoch: burst[0]!.epoch, offset: 0 } });
    const held = [...rec.publications.map((p) => p.pub.data), ...h.publications.map((p) => p.data)];
    expect(held.every((d) => Buffer.from(d).equals(data))).toBe(true);
    // At most Node's pool slab for small buffers: a socket read of 300 publications is far larger.
    expect(Math.max(...held.map((d) => d.buffer.byteLength))).toBeLessThanOrEqual(Buffer.poolSize);
  });

  it('with sharded: true, subscribes and publishes with SSUBSCRIBE/SPUBLISH, and PUBLISH/SUBSCRIBE without', async () => {
    const admin = createClient({ socket: { path: server.socketPath, tls: false } });
    const listener = admin.duplicate();
    await Promise.all([admin.connect(), listener.connect()]);
    try {
      const sharded = await node({ sharded: true, prefix: 'sh' });
      const plain = await node({ prefix: 'pl' });
      await sharded.engine.subscribe('room');
      await plain.engine.subscribe('room');
      expect(await admin.sendCommand(['PUBSUB', 'SHARDNUMSUB', 'sh:{c:room}:events', 'pl:{c:room}:events'])).toEqual(['sh:{c:room}:events', 1, 'pl:{c:room}:events', 0]);
      expect(await admin.sendCommand(['PUBSUB', 'NUMSUB', 'sh:{c:room}:events', 'pl:{c:room}:events'])).toEqual(['sh:{c:room}:events', 0, 'pl:{c:room}:events', 1]);
      const heard: string[] = [];
      await listener.sSubscribe('sh:{c:room}:events', (m) => heard.push(m));
      await sharded.engine.publish('room', bytes('hi'));
      await eventually(() => heard.length === 1);
      expect(heard[0]).toMatch(/^p1:[^:]+:hi$/);
    } finally {
      await Promise.all([admin.close(), listener.close()]);
    }
  });

  it('rejects a publish with UNAVAILABLE at once while Redis is down, and works again once it is back', async () => {
    const { engine } = await node();
    await engine.publish('down:ch', bytes('before'), { history: H });
    await server.kill();
    const started = Date.now();
    const err = await rejection(engine.publish('down:ch', bytes('lost'), { history: H }));
    expect(err.code).toBe('UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await rejection(engine.history('down:ch'))).code).toBe('UNAVAILABLE');
    expect((await rejection(engine.addPresence('down:ch', 'c', bytes('i')))).code).toBe('UNAVAILABLE');
    expect((await rejection(engine.subscribe('down:other'))).code).toBe('UNAVAILABLE');
    await server.start();
    const pos = await once(() => engine.publish('down:ch', bytes('after'), { history: H }));
    // The restarted Redis has no keys: the channel starts a new epoch.
    expect(pos.offset).toBe(1);
  });

  it('rejects with UNAVAILABLE after the command timeout when Redis hangs', async () => {
    const { engine } = await node({ commandTimeoutMs: 300 });
    await engine.publish('hung:ch', bytes('a'));
    server.pause();
    const started = Date.now();
    expect((await rejection(engine.publish('hung:ch', bytes('b')))).code).toBe('UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(5000);
    server.resume();
    expect((await engine.publish('hung:ch', bytes('c'))).offset).toBeGreaterThanOrEqual(2);
  });

  it('makes again a connection that stops answering, resubscribes and reports the interruption', async () => {
    const a = await node({ commandTimeoutMs: 300, probeIntervalMs: 200 });
    await a.engine.subscribe('probe:ch');
    server.pause();
    await new Promise((r) => setTimeout(r, 1500));
    server.resume();
    await eventually(() => a.rec.interruptions.length > 0, 10_000);
    expect(a.rec.interruptions[0]).toEqual(['probe:ch']);
    const b = await node();
    await b.engine.publish('probe:ch', bytes('still here'));
    await eventually(() => a.rec.on('probe:ch').includes('still here'));
  });

  it('after a restart, resubscribes every channel, reports the interruption, and starts new epochs', async () => {
    const a = await node();
    const b = await node();
    await a.engine.subscribe('rs:one');
    await a.engine.subscribe('rs:two');
    await a.engine.subscribe('rs:gone');
    await a.engine.unsubscribe('rs:gone');
    const before = await b.engine.publish('rs:one', bytes('before'), { history: H });
    await eventually(() => a.rec.on('rs:one').length === 1);

    await server.kill();
    await server.start();
    await eventually(() => a.rec.interruptions.length === 1, 10_000);
    expect(a.rec.interruptions).toEqual([['rs:one', 'rs:two']]);

    const after = await once(() => b.engine.publish('rs:one', bytes('after'), { history: H }));
    expect(after.epoch).not.toBe(before.epoch);
    expect(after.offset).toBe(1);
    await b.engine.publish('rs:two', bytes('two'), { history: H });
    await b.engine.publish('rs:gone', bytes('not for a'), { history: H });
    await eventually(() => a.rec.on('rs:one').length === 2 && a.rec.on('rs:two').length === 1);
    expect(a.rec.on('rs:one')).toEqual(['before', 'after']);
    expect(a.rec.publications.at(-2)?.pub.epoch).toBe(after.epoch);
    await new Promise((r) => setTimeout(r, 100));
    expect(a.rec.on('rs:gone')).toEqual([]);
  });

  it('forgets a channel unsubscribed while Redis is down', async () => {
    const a = await node();
    const b = await node();
    await a.engine.subscribe('ud:ch');
    await server.kill();
    await a.engine.unsubscribe('ud:ch');
    await server.start();
    await once(() => b.engine.publish('ud:ch', bytes('x')));
    await new Promise((r) => setTimeout(r, 300));
    expect(a.rec.on('ud:ch')).toEqual([]);
  });

  it('rejects calls before start() with UNAVAILABLE, and a second start() with ALREADY_STARTED', async () => {
    const engine = redisEngine({ socketPath: server.socketPath });
    expect((await rejection(engine.publish('early', bytes('x')))).code).toBe('UNAVAILABLE');
    const first = engine.start(new Recorder());
    expect((await rejection(engine.start(new Recorder()))).code).toBe('ALREADY_STARTED');
    await first;
    engines.push(engine);
    expect((await rejection(engine.start(new Recorder()))).code).toBe('ALREADY_STARTED');
  });

  it('start() rejects with UNAVAILABLE when Redis cannot be reached within the connect timeout', async () => {
    const engine = redisEngine({ socketPath: `${server.dir}/nothing.sock`, connectTimeoutMs: 500 });
    const started = Date.now();
    expect((await rejection(engine.start(new Recorder()))).code).toBe('UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('keeps presence alive while its node refreshes it, and writes it back after Redis lost it', async () => {
    const a = await node({ presenceTtlMs: 1000 });
    const b = await node({ presenceTtlMs: 1000 });
    await a.engine.addPresence('pr:alive', 'c1', bytes('ada'));
    await new Promise((r) => setTimeout(r, 2500));
    expect([...(await b.engine.presence('pr:alive')).keys()]).toEqual(['c1']);
    await server.kill();
    await server.start();
    // Redis came back empty: the entry is back once its node reconnected or refreshed it (every 333 ms).
    expect(await listedOnceAgain(b.engine, 'pr:alive')).toEqual(['c1']);
  });

  it('writes its presence back as soon as it reconnects to a Redis that lost it, not at the next refresh', async () => {
    const a = await node({ presenceTtlMs: 60_000 });
    await a.engine.addPresence('pr:back', 'c1', bytes('ada'));
    await server.kill();
    await server.start();
    const b = await node();
    // The next timed refresh is 20 s away; once() gives up after 10 s.
    expect(await listedOnceAgain(b.engine, 'pr:back')).toEqual(['c1']);
  });

  it('lets the entries of a node that is gone expire after the TTL, announcing leaves', async () => {
    const a = await node({ presenceTtlMs: 1000 });
    const b = await node({ presenceTtlMs: 1000 });
    await b.engine.subscribe('pr:gone');
    await a.engine.addPresence('pr:gone', 'c1', bytes('ada'));
    await b.engine.addPresence('pr:gone', 'c2', bytes('bob'));
    await a.engine.close();
    expect([...(await b.engine.presence('pr:gone')).keys()].sort()).toEqual(['c1', 'c2']);
    await new Promise((r) => setTimeout(r, 1800));
    expect([...(await b.engine.presence('pr:gone')).keys()]).toEqual(['c2']);
    await eventually(() => b.rec.leaves.length === 1);
    expect(b.rec.leaves).toEqual([{ channel: 'pr:gone', clientId: 'c1', info: 'ada' }]);
  });
});

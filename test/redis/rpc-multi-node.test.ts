/**
 * The RPC layer on three zwire node processes sharing one real redis-server
 * (`createServer(def, handlers, { engine: redisEngine(...) })` in each), with
 * typed clients on every node: one total order per topic key on all nodes,
 * history and recovery across nodes, presence across nodes (a killed node's
 * entries expire), Redis down and restarted in the middle of traffic, and a
 * node killed with its clients moving to the next of their URLs.
 */
import fc from 'fast-check';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createClient, type ClientUrl, type RpcClient } from '../../src/client/index.js';
import type { Subscription } from '../../src/client/rpc-subscription.js';
import { RpcError } from '../../src/rpc/errors.js';
import type { StreamPosition } from '../../src/rpc/topic.js';
import { until } from '../rpc/fixture.js';
import type { Outcome } from './rpc-node.js';
import { RpcNode } from './rpc-node-process.js';
import { clusterService, type ClusterService } from './rpc-service.js';
import { describeWithRedis, RedisServer } from './redis-server.js';

const TTL_MS = 1000;
/** Redis with an append-only file written before each answer: a restart loses nothing acknowledged. */
const DURABLE = ['--appendonly', 'yes', '--appendfsync', 'always'];

type Client = RpcClient<ClusterService>;
type Published = { text: string; epoch: string; offset: number };

const clients: Client[] = [];
function client(url: ClientUrl, user = 'anon', reconnect = true): Client {
  const c = createClient(clusterService, url, {
    heartbeatMs: 0,
    params: { user },
    reconnect: reconnect ? { initialDelayMs: 20, maxDelayMs: 200 } : false,
  });
  clients.push(c);
  return c;
}

/** What a subscription yielded, and the resets it reported. */
interface Watched {
  sub: Subscription<{ text: string }, never>;
  texts: string[];
  resets: StreamPosition[];
}

async function watch(sub: Subscription<{ text: string }, never>): Promise<Watched> {
  const w: Watched = { sub, texts: [], resets: [] };
  sub.on('reset', (p) => w.resets.push(p));
  void (async () => {
    for await (const m of sub) w.texts.push(m.text);
  })().catch(() => undefined);
  await sub.ready();
  return w;
}

function succeeded(outcomes: Outcome[]): Published[] {
  return outcomes.flatMap((o) => ('error' in o ? [] : [o]));
}

/** Publishes through the client (the topic's publish), as an outcome. */
function clientPublish(c: Client, key: string, text: string): Promise<Outcome> {
  return c.feed.publish({ key }, { text }).then(
    (at) => ({ text, ...at }),
    (err: RpcError) => ({ text, error: err.code }),
  );
}

/** Publishes through a method whose handler calls ctx.publish, as an outcome. */
function methodPublish(c: Client, key: string, text: string): Promise<Outcome> {
  return c.announce({ key, text }).then(
    (at) => ({ text, ...at }),
    (err: RpcError) => ({ text, error: err.code }),
  );
}

/** The texts of publications in offset order, checking that the offsets run 1..n in one epoch. */
function totalOrder(published: Published[]): string[] {
  const sorted = [...published].sort((a, b) => a.offset - b.offset);
  expect(sorted.map((p) => p.offset)).toEqual(sorted.map((_, i) => i + 1));
  expect(new Set(sorted.map((p) => p.epoch)).size).toBeLessThanOrEqual(1);
  return sorted.map((p) => p.text);
}

/** The whole history of a key in an epoch, as a new subscriber recovering from its start gets it. */
async function historyOf(url: string, key: string, epoch: string, count: number): Promise<string[]> {
  const c = client(url);
  const w = await watch(c.feed.subscribe({ key }, { since: { epoch, offset: 0 } }));
  expect(await w.sub.ready()).toMatchObject({ recovered: true });
  await until(() => w.texts.length >= count, 10_000);
  await w.sub.unsubscribe();
  return w.texts;
}

describeWithRedis('the RPC layer on three node processes sharing one Redis', () => {
  const redis = new RedisServer();
  let nodes: RpcNode[] = [];
  const start = (): Promise<RpcNode> => RpcNode.start(redis.socketPath, TTL_MS);

  /** Restarts Redis (with `args`) and waits until every node publishes again: they reconnect within their backoff. */
  async function restartRedis(args: string[] = []): Promise<void> {
    await redis.kill();
    await redis.start(args);
    await Promise.all(nodes.map((n) => publishWhenBack(n)));
  }

  async function publishWhenBack(node: RpcNode): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const [o] = await node.publish('probe', ['probe']);
      if (o !== undefined && !('error' in o)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('a node did not publish again after Redis came back');
  }

  beforeAll(async () => {
    await redis.start();
    nodes = await Promise.all([start(), start(), start()]);
  }, 60_000);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    // a test that killed a node leaves three running for the next
    nodes = await Promise.all(nodes.map((n) => (n.alive ? n : start())));
  }, 30_000);
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await redis.stop();
  });

  let run = 0;
  it('gives each topic key one total order, seen identically by subscribers on all three nodes, whichever nodes publish and how', async () => {
    const subscribers = nodes.map((n, i) => client(n.url, `s${i}`));
    const publishers = nodes.map((n, i) => client(n.url, `p${i}`));
    const op = fc.record({ node: fc.nat(2), key: fc.nat(1), via: fc.constantFrom('server', 'client', 'method') });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        const r = ++run;
        const keys = [`order-${r}-a`, `order-${r}-b`];
        const watched = await Promise.all(keys.flatMap((key) => subscribers.map((c) => watch(c.feed.subscribe({ key })))));
        // every publication at once, from random nodes, through server.publish, a client's publish or ctx.publish
        const outcomes = await Promise.all(
          ops.map(async (o, k) => {
            const key = keys[o.key] as string;
            const text = `${r}:${k}`;
            const node = nodes[o.node] as RpcNode;
            if (o.via === 'server') return (await node.publish(key, [text]))[0] as Outcome;
            const c = publishers[o.node] as Client;
            return o.via === 'client' ? clientPublish(c, key, text) : methodPublish(c, key, text);
          }),
        );
        expect(outcomes.filter((o) => 'error' in o)).toEqual([]);
        for (const [k, key] of keys.entries()) {
          const order = totalOrder(succeeded(outcomes.filter((_, i) => keys[ops[i]?.key ?? -1] === key)));
          const mine = watched.slice(k * 3, k * 3 + 3);
          await until(() => mine.every((w) => w.texts.length >= order.length), 10_000);
          for (const w of mine) {
            expect(w.texts).toEqual(order);
            expect(w.resets).toEqual([]);
          }
        }
        await Promise.all(watched.map((w) => w.sub.unsubscribe()));
      }),
      { numRuns: 6, seed: 1414 },
    );
  }, 120_000);

  it('recovers on node B exactly what a client missed after it left node A, published meanwhile on B and C', async () => {
    const key = 'recover';
    const onA = client(nodes[0]!.url);
    const first = await watch(onA.feed.subscribe({ key }));
    const before = succeeded([...(await nodes[1]!.publish(key, ['b1', 'b2'])), await clientPublish(client(nodes[2]!.url), key, 'c1')]);
    expect(before).toHaveLength(3);
    await until(() => first.texts.length === 3, 10_000);
    const position = first.sub.position;
    await onA.close();

    const pubC = client(nodes[2]!.url);
    const missed = succeeded([
      ...(await nodes[1]!.publish(key, ['b3', 'b4'])),
      await clientPublish(pubC, key, 'c2'),
      await methodPublish(pubC, key, 'c3'),
      ...(await nodes[2]!.publish(key, ['c4'])),
    ]);
    expect(missed.map((p) => p.offset)).toEqual([4, 5, 6, 7, 8]);

    const onB = client(nodes[1]!.url);
    const again = await watch(onB.feed.subscribe({ key }, { since: position ?? undefined }));
    expect(await again.sub.ready()).toEqual({ recovered: true, position });
    await until(() => again.texts.length === 5, 10_000);
    expect(again.texts).toEqual(['b3', 'b4', 'c2', 'c3', 'c4']);
    await nodes[0]!.publish(key, ['a1']);
    await until(() => again.texts.length === 6, 10_000);
    expect(again.texts.at(-1)).toBe('a1');
    expect(again.resets).toEqual([]);
  }, 30_000);

  it("shows presence across nodes, and the leave of a killed node's subscriber once its entry expires", async () => {
    const room = { room: 'presence' };
    const users = ['ada', 'bob', 'cyd'];
    const events = users.map(() => [] as string[]);
    const subs = [];
    for (const [i, user] of users.entries()) {
      const sub = client(nodes[i]!.url, user, false).lobby.subscribe(room);
      sub.on('join', (p) => events[i]?.push(`join ${p.user}`));
      sub.on('leave', (p) => events[i]?.push(`leave ${p.user}`));
      await sub.ready();
      subs.push(sub);
    }
    // ada, subscribed first, hears the two others join from their nodes
    await until(() => ['join bob', 'join cyd'].every((e) => events[0]?.includes(e)), 10_000);
    for (const sub of subs) expect((await sub.presence()).map((p) => p.user).sort()).toEqual(users);

    await nodes[2]!.kill();
    // cyd's entry is no longer refreshed: it expires within the TTL, and the refresh of the live nodes announces the leave
    await until(() => [0, 1].every((i) => events[i]?.includes('leave cyd')), 5 * TTL_MS);
    for (const sub of subs.slice(0, 2)) expect((await sub.presence()).map((p) => p.user).sort()).toEqual(['ada', 'bob']);
    expect(events[0]?.filter((e) => e.startsWith('leave'))).toEqual(['leave cyd']);
    expect(events[1]?.filter((e) => e.startsWith('leave'))).toEqual(['leave cyd']);
  }, 30_000);

  it('rejects a publish with UNAVAILABLE while Redis is down, through server.publish, ctx.publish and the client, and publishes again once it is back', async () => {
    const key = 'down';
    const c = client(nodes[1]!.url);
    const watcher = await watch(client(nodes[2]!.url).feed.subscribe({ key }));
    await redis.kill();
    try {
      expect(await nodes[0]!.publish(key, ['server'])).toEqual([{ text: 'server', error: 'UNAVAILABLE' }]);
      expect(await clientPublish(c, key, 'client')).toEqual({ text: 'client', error: 'UNAVAILABLE' });
      expect(await methodPublish(c, key, 'method')).toEqual({ text: 'method', error: 'UNAVAILABLE' });
    } finally {
      await redis.start();
    }
    // the nodes reconnect within their backoff (at most 200 ms here)
    let back: Outcome = { text: '', error: 'none yet' };
    for (let i = 0; i < 100 && 'error' in back; i++) {
      back = await clientPublish(c, key, 'back');
      if ('error' in back) await new Promise((r) => setTimeout(r, 100));
    }
    expect(back).toMatchObject({ text: 'back', offset: 1 });
    await until(() => watcher.texts.length === 1, 10_000);
    // nothing that was refused reached a subscriber
    expect(watcher.texts).toEqual(['back']);
  }, 30_000);

  /** Publishes from every node and a client while Redis restarts; returns each publish's outcome. */
  async function restartMidTraffic(key: string, args: string[]): Promise<Outcome[]> {
    const pub = client(nodes[0]!.url);
    const fromClient = (async () => {
      const out: Outcome[] = [];
      for (let k = 0; k < 40; k++) {
        out.push(await clientPublish(pub, key, `client-${k}`));
        await new Promise((r) => setTimeout(r, 25));
      }
      return out;
    })();
    const traffic = Promise.all([...nodes.map((n, i) => n.publish(key, Array.from({ length: 40 }, (_, k) => `n${i}-${k}`), 25)), fromClient]);
    await new Promise((r) => setTimeout(r, 300));
    await redis.kill();
    await new Promise((r) => setTimeout(r, 300));
    await redis.start(args);
    const outcomes = (await traffic).flat();
    // every publish settled: it succeeded, or it was refused as UNAVAILABLE
    const failed = outcomes.filter((o) => 'error' in o);
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set(failed.map((o) => ('error' in o ? o.error : '')))).toEqual(new Set(['UNAVAILABLE']));
    return outcomes;
  }

  it('rides out a restart of a Redis that keeps its data: every subscriber on every node recovers, no gap, no duplicate, no reset', async () => {
    // from now on this Redis writes every change to its append-only file before answering
    await restartRedis(DURABLE);
    const key = 'restart-durable';
    const watched = await Promise.all(nodes.map((n) => watch(client(n.url).feed.subscribe({ key }))));
    const outcomes = await restartMidTraffic(key, DURABLE);
    const published = succeeded(outcomes);
    expect(new Set(published.map((p) => p.epoch)).size).toBe(1);
    const last = succeeded(await nodes[1]!.publish(key, ['last']))[0];
    expect(last?.epoch).toBe(published[0]?.epoch);
    // history is the one order: it holds every acknowledged publication at its offset (and any whose answer was lost)
    const history = await historyOf(nodes[2]!.url, key, last!.epoch, last!.offset);
    expect(history).toHaveLength(last!.offset);
    for (const p of [...published, last!]) expect(history[p.offset - 1]).toBe(p.text);
    for (const w of watched) {
      await until(() => w.texts.length >= history.length, 10_000);
      expect(w.texts).toEqual(history);
      expect(w.resets).toEqual([]);
    }
  }, 60_000);

  it('rides out a restart of a Redis that lost its data: subscribers are told (reset) and then get the whole new epoch', async () => {
    await redis.kill();
    rmSync(join(redis.dir, 'appendonlydir'), { recursive: true, force: true });
    await restartRedis();
    const key = 'restart-lost';
    const watched = await Promise.all(nodes.map((n) => watch(client(n.url).feed.subscribe({ key }))));
    const outcomes = await restartMidTraffic(key, []);
    const published = succeeded(outcomes);
    const epochs = [...new Set(published.map((p) => p.epoch))];
    expect(epochs).toHaveLength(2);
    const last = succeeded(await nodes[1]!.publish(key, ['last']))[0]!;
    const [oldEpoch, newEpoch] = last.epoch === epochs[1] ? epochs : [epochs[1], epochs[0]];
    const before = totalOrder(published.filter((p) => p.epoch === oldEpoch));
    const after = await historyOf(nodes[2]!.url, key, newEpoch!, last.offset);
    for (const p of published.filter((x) => x.epoch === newEpoch)) expect(after[p.offset - 1]).toBe(p.text);
    for (const w of watched) {
      await until(() => w.texts.at(-1) === 'last', 10_000);
      expect(w.resets.length).toBeGreaterThan(0);
      expect(w.resets.at(-1)?.epoch).toBe(newEpoch);
      // what came before the restart: a prefix of the old order (a publication whose answer was lost may be in it too)
      const old = w.texts.slice(0, w.texts.length - after.length);
      expect(w.texts.slice(old.length)).toEqual(after);
      const known = old.filter((t) => before.includes(t));
      expect(known).toEqual(before.slice(0, known.length));
      expect(new Set(w.texts).size).toBe(w.texts.length);
    }
  }, 60_000);
  it('loses no publication when a node dies mid-traffic: its clients move to the next of their URLs and recover, no gap, no duplicate', async () => {
    const key = 'failover';
    // Each client knows every node, its own first: a new connection attempt takes the next URL.
    const urls = (i: number): string[] => [0, 1, 2].map((k) => nodes[(i + k) % 3]!.url);
    const watched = await Promise.all(nodes.map((_, i) => watch(client(urls(i), `w${i}`).feed.subscribe({ key }))));
    const doomed = watched[2]!;
    const resubscribed: boolean[] = [];
    doomed.sub.on('subscribed', ({ recovered }) => resubscribed.push(recovered));
    const pub = client(urls(2), 'p');
    const fromDoomed = (async () => {
      const out: Outcome[] = [];
      for (let k = 0; k < 40; k++) {
        out.push(await clientPublish(pub, key, `c-${k}`));
        await new Promise((r) => setTimeout(r, 20));
      }
      return out;
    })();
    const traffic = Promise.all([0, 1].map((i) => nodes[i]!.publish(key, Array.from({ length: 40 }, (_, k) => `n${i}-${k}`), 20)));
    await new Promise((r) => setTimeout(r, 300));
    await nodes[2]!.kill();
    const outcomes = [...(await traffic).flat(), ...(await fromDoomed)];
    // Only a publish in flight on the dead node's connection may have failed, and only as UNAVAILABLE (it may still have been applied).
    expect(outcomes.filter((o) => 'error' in o && o.error !== 'UNAVAILABLE')).toEqual([]);
    expect(outcomes.filter((o) => 'error' in o).length).toBeLessThanOrEqual(1);
    const published = succeeded(outcomes);
    const last = succeeded(await nodes[0]!.publish(key, ['last']))[0]!;
    const history = await historyOf(nodes[1]!.url, key, last.epoch, last.offset);
    for (const p of [...published, last]) expect(history[p.offset - 1]).toBe(p.text);
    for (const w of watched) {
      await until(() => w.texts.at(-1) === 'last', 10_000);
      expect(w.texts).toEqual(history);
      expect(w.resets).toEqual([]);
    }
    // The dead node's subscriber came back on another node from its position.
    expect(resubscribed).toEqual([true]);
    expect(pub.state).toBe('open');
  }, 60_000);
});

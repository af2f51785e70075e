/**
 * Three zwire nodes as three processes, each with its own redisEngine on one
 * real redis-server: one total order per channel seen identically by all
 * nodes whoever publishes, a Redis restart in the middle of traffic, and the
 * presence of a killed node expiring.
 */
import fc from 'fast-check';
import { createClient } from 'redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PublishOutcome, Recorded } from './engine-node.js';
import { NodeProcess } from './node-process.js';
import { describeWithRedis, RedisServer } from './redis-server.js';

const TTL_MS = 1000;

function ok(outcomes: PublishOutcome[]): { text: string; offset: number; epoch: string }[] {
  return outcomes.flatMap((o) => ('position' in o ? [{ text: o.text, ...o.position }] : []));
}

/** Polls every node until `cond` holds for all of them; returns their last records. */
async function recordsWhen(nodes: NodeProcess[], cond: (r: Recorded) => boolean, ms = 10_000): Promise<Recorded[]> {
  let records: Recorded[] = [];
  const end = Date.now() + ms;
  for (;;) {
    records = await Promise.all(nodes.map((n) => n.recorded()));
    if (records.every(cond)) return records;
    if (Date.now() > end) throw new Error('nodes did not get there in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeWithRedis('three node processes on one Redis', () => {
  const server = new RedisServer();
  let nodes: NodeProcess[] = [];
  beforeAll(async () => {
    await server.start();
    nodes = await Promise.all([0, 1, 2].map(() => NodeProcess.start(server.socketPath, TTL_MS)));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await server.stop();
  });

  let run = 0;
  it('gives each channel one total order, the same on every node, whichever nodes publish', async () => {
    const op = fc.record({ node: fc.nat(2), channel: fc.nat(2) });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const r = ++run;
        const channels = [0, 1, 2].map((c) => `order:${r}:${c}`);
        await Promise.all(nodes.flatMap((n) => channels.map((c) => n.subscribe(c))));
        // Each node publishes its share concurrently, all three nodes at once.
        const outcomes = (
          await Promise.all(
            nodes.map((n, i) =>
              n.publishAll(ops.flatMap((o, k) => (o.node === i ? [{ channel: channels[o.channel], text: `${r}:${k}` }] : []))),
            ),
          )
        ).flat();
        const published = ok(outcomes);
        expect(published).toHaveLength(ops.length);
        const records = await recordsWhen(nodes, (rec) => rec.publications.filter((p) => p.channel.startsWith(`order:${r}:`)).length === ops.length);
        for (const channel of channels) {
          const seen = records.map((rec) => rec.publications.filter((p) => p.channel === channel).map(({ offset, epoch, text }) => ({ offset, epoch, text })));
          expect(seen[1]).toEqual(seen[0]);
          expect(seen[2]).toEqual(seen[0]);
          const order = seen[0] ?? [];
          expect(order.map((p) => p.offset)).toEqual(order.map((_, i) => i + 1));
          const mine = ops.flatMap((o, k) => (channels[o.channel] === channel ? [`${r}:${k}`] : []));
          expect(order.map((p) => p.text).sort()).toEqual(mine.sort());
          // Each publisher was told the position its publication was delivered at.
          for (const p of published.filter((x) => order.some((o) => o.text === x.text))) {
            expect(order[p.offset - 1]).toEqual({ offset: p.offset, epoch: p.epoch, text: p.text });
          }
        }
      }),
      { numRuns: 8, seed: 1402 },
    );
  }, 120_000);

  it('rides out a Redis restart mid-traffic: publishes settle, nodes resubscribe, the new epoch is in history', async () => {
    const ch = 'restart:ch';
    await Promise.all(nodes.map((n) => n.subscribe(ch)));
    const traffic = Promise.all(nodes.map((n, i) => n.traffic(ch, `n${i}-`, 60, 20)));
    await new Promise((r) => setTimeout(r, 400));
    await server.kill();
    await new Promise((r) => setTimeout(r, 300));
    await server.start();
    const outcomes = (await traffic).flat();

    const failed = outcomes.filter((o) => 'error' in o);
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set(failed.map((o) => ('error' in o ? o.error : '')))).toEqual(new Set(['UNAVAILABLE']));
    const published = ok(outcomes);
    const epochs = [...new Set(published.map((p) => p.epoch))];
    expect(epochs).toHaveLength(2);
    const newEpoch = published.at(-1)?.epoch ?? '';

    const records = await recordsWhen(nodes, (rec) => rec.interruptions.some((c) => c.includes(ch)));
    const history = await nodes[0]!.history(ch, newEpoch);
    const inNewEpoch = published.filter((p) => p.epoch === newEpoch).sort((a, b) => a.offset - b.offset);
    expect(history).toEqual(inNewEpoch.map(({ offset, text }) => ({ offset, text })));
    for (const rec of records) {
      const got = rec.publications.filter((p) => p.channel === ch);
      for (const epoch of epochs) {
        const offsets = got.filter((p) => p.epoch === epoch).map((p) => p.offset);
        // No duplicate and no reordering; gaps are what interrupted() announced.
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
        expect(new Set(offsets).size).toBe(offsets.length);
      }
      for (const p of got.filter((x) => x.epoch === newEpoch)) expect(history[p.offset - 1]?.text).toBe(p.text);
    }

    // After the interruption, every node gets everything again, in one order.
    const after = (await Promise.all(nodes.map((n, i) => n.publishAll([{ channel: ch, text: `after-${i}` }])))).flat();
    expect(ok(after)).toHaveLength(3);
    const final = await recordsWhen(nodes, (rec) => rec.publications.filter((p) => p.text.startsWith('after-')).length === 3);
    const tails = final.map((rec) => rec.publications.filter((p) => p.text.startsWith('after-')).map((p) => `${p.offset}:${p.text}`));
    expect(tails[1]).toEqual(tails[0]);
    expect(tails[2]).toEqual(tails[0]);
  }, 60_000);

  it('cuts off a node whose subscription lags beyond the output buffer limit; it resubscribes and reports it', async () => {
    const ch = 'lag:ch';
    const events = `zwire:{c:${ch}}:events`;
    const admin = createClient({ socket: { path: server.socketPath, tls: false } });
    await admin.connect();
    // Far above what a node that reads falls behind by one publication at a time, even on a loaded machine.
    await admin.configSet('client-output-buffer-limit', 'pubsub 1mb 0 0');
    const subscribers = async (): Promise<unknown> => ((await admin.sendCommand(['PUBSUB', 'NUMSUB', events])) as unknown[])[1];
    try {
      await Promise.all(nodes.map((n) => n.subscribe(ch)));
      expect(await subscribers()).toBe(3);
      // A node that reads nothing (stopped) while publications go on: Redis's output buffer for it grows.
      nodes[2]!.pause();
      const big = 'x'.repeat(32 * 1024);
      let sent = 0;
      let count: unknown = 3;
      try {
        while ((count = await subscribers()) === 3 && sent < 400) {
          expect(ok(await nodes[0]!.publishAll([{ channel: ch, text: `${sent}${big}` }]))).toHaveLength(1);
          sent++;
        }
      } finally {
        nodes[2]!.resume();
      }
      // Read before the resume: once it runs again, the node resubscribes.
      expect(count).toBe(2);
      const [lagging] = await recordsWhen([nodes[2]!], (r) => r.interruptions.some((c) => c.includes(ch)));
      expect(lagging?.publications.filter((p) => p.channel === ch).length).toBeLessThan(sent);
      // The node that kept up got every one, and was told of no interruption.
      const [steady] = await recordsWhen([nodes[1]!], (r) => r.publications.filter((p) => p.channel === ch).length === sent);
      expect(steady?.interruptions.some((c) => c.includes(ch))).toBe(false);
      // and it resubscribed
      const end = Date.now() + 10_000;
      while ((await subscribers()) !== 3) {
        expect(Date.now()).toBeLessThan(end);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await admin.configSet('client-output-buffer-limit', 'pubsub 32mb 8mb 60');
      await admin.close();
    }
  }, 30_000);

  it('lets the presence of a killed node expire after the TTL, with a leave for subscribed nodes', async () => {
    const ch = 'presence:kill';
    const doomed = await NodeProcess.start(server.socketPath, TTL_MS);
    try {
      await nodes[0]!.subscribe(ch);
      await nodes[1]!.addPresence(ch, 'alive');
      await doomed.addPresence(ch, 'doomed');
      expect(await nodes[0]!.presence(ch)).toEqual(['alive', 'doomed']);
      await doomed.kill();
      // Refreshed every third of the TTL by its node, a live entry outlasts the TTL several times over.
      await new Promise((r) => setTimeout(r, 3 * TTL_MS));
      expect(await nodes[2]!.presence(ch)).toEqual(['alive']);
      const [rec] = await recordsWhen([nodes[0]!], (r) => r.leaves.some((l) => l.channel === ch));
      expect(rec?.leaves.filter((l) => l.channel === ch)).toEqual([{ channel: ch, clientId: 'doomed' }]);
    } finally {
      await doomed.kill();
    }
  }, 30_000);
});

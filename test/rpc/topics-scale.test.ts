import { describe, expect, it } from 'vitest';
import type { Subscription } from '../../src/client/rpc-subscription.js';
import { until } from './fixture.js';
import { chatClient, serveChat } from './topics-fixture.js';

describe('fan-out at scale', () => {
  it('10,000 subscriptions on one key (100 connections x 100) each receive every publication exactly once, in order', async () => {
    const { server, url } = await serveChat();
    const clients = Array.from({ length: 100 }, (_, i) => chatClient(url, `u${i}`, { codec: i % 2 === 0 ? 'msgpack' : 'json' }));
    const counts = new Map<Subscription<{ n: number }, never>, number[]>();
    const subs = clients.flatMap((c) => Array.from({ length: 100 }, () => c.ticker.subscribe({ symbol: 'ALL' })));
    await Promise.all(subs.map((s) => s.ready()));
    for (const s of subs) {
      const seen: number[] = [];
      counts.set(s, seen);
      // the loops end with UNAVAILABLE when the clients close after the test
      (async () => {
        for await (const m of s) seen.push(m.n);
      })().catch(() => undefined);
    }
    for (let n = 1; n <= 3; n++) await server.publish('ticker', { symbol: 'ALL' }, { n });
    await until(() => [...counts.values()].every((seen) => seen.length >= 3), 30_000);
    for (const seen of counts.values()) expect(seen).toEqual([1, 2, 3]);
    expect(counts.size).toBe(10_000);
  }, 60_000);
});

import { describe, expect, it } from 'vitest';
import { connect } from '../../src/client/connect.js';
import type { Conn } from '../../src/message/index.js';
import { Subprotocol } from '../../src/rpc/envelope.js';
import { SLOW_SUBSCRIBER_CLOSE, TopicKind } from '../../src/rpc/topic-envelopes.js';
import { until } from './fixture.js';
import { chatClient, closeAfter, collect, serveChat } from './topics-fixture.js';

const COUNT = 6000;
const PAD = 'x'.repeat(4096);
const LAG = 256 * 1024;

/** A raw JSON RPC connection that subscribes, reads the answer, then stops reading (its socket pauses). */
async function stalledSubscriber(url: string, topic: string, key: unknown): Promise<{ conn: Conn; iter: AsyncIterator<{ text(): string }> }> {
  const conn = await connect(url, { protocols: [Subprotocol.json], readHighWaterMark: 16 * 1024 });
  closeAfter(async () => conn.terminate());
  await conn.send(JSON.stringify([TopicKind.Subscribe, 1, topic, key]));
  const iter = conn[Symbol.asyncIterator]();
  const first = await iter.next();
  expect(JSON.parse(first.value.text())[0]).toBe(TopicKind.Subscribed);
  return { conn, iter };
}

/** Paces the publisher to a consumer that keeps up: at most 32 publications ahead of what it received. */
async function keepingUp(published: number, received: () => number): Promise<void> {
  if (published % 16 === 0) await until(() => received() >= published - 32, 10_000);
}

describe('slow subscribers', () => {
  it('with history: a stalled subscriber leaves the fan-out, the fast one gets everything, and the stalled one resumes with a reset', async () => {
    const { server, url } = await serveChat({ limits: { maxSubscriberLag: LAG } });
    const fast = chatClient(url, 'fast').room.subscribe({ room: 'flood' });
    await fast.ready();
    const got = collect(fast);
    const slow = await stalledSubscriber(url, 'room', { room: 'flood' });
    for (let i = 1; i <= COUNT; i++) {
      await server.publish('room', { room: 'flood' }, { from: 's', text: `${i} ${PAD}` });
      await keepingUp(i, () => got.items.length);
    }
    // the fast subscriber is not held back by the stalled one
    await until(() => got.items.length === COUNT, 30_000);
    expect(got.items.every((m, i) => m.text.startsWith(`${i + 1} `))).toBe(true);
    let bytes = 0;
    let reset: unknown[] | null = null;
    let last = 0;
    let after: Promise<unknown> | null = null;
    for (;;) {
      const r = await slow.iter.next();
      const text = r.value.text();
      bytes += text.length;
      const env = JSON.parse(text) as unknown[];
      if (env[0] === TopicKind.Reset) {
        // it drained and could not be recovered from a history of 100: it continues live after the position given
        reset = env;
        after = server.publish('room', { room: 'flood' }, { from: 's', text: 'after' });
      }
      if (env[0] !== TopicKind.Publication) continue;
      expect(env[3] as number).toBeGreaterThan(last);
      last = env[3] as number;
      if ((env[4] as { text: string }).text === 'after') break;
    }
    await after;
    const total = COUNT * PAD.length;
    expect(reset?.[3]).toBe(COUNT);
    expect(last).toBe(COUNT + 1);
    // what the stalled subscriber was sent is bounded by the socket buffers and the lag budget, not by what was published
    expect(bytes).toBeLessThan(total / 3);
  }, 60_000);

  it('without history: a stalled subscriber is closed with 4008; the fast one gets everything', async () => {
    const { server, url } = await serveChat({ limits: { maxSubscriberLag: LAG } });
    const fastClient = chatClient(url, 'fast');
    const fast = fastClient.ticker.subscribe({ symbol: 'Z' });
    await fast.ready();
    const got = collect(fast);
    const slow = await stalledSubscriber(url, 'ticker', { symbol: 'Z' });
    for (let i = 1; i <= COUNT; i++) {
      await server.publish('ticker', { symbol: 'Z' }, { n: i, pad: PAD });
      await keepingUp(i, () => got.items.length);
    }
    await until(() => got.items.length === COUNT, 30_000);
    expect(got.items.map((m) => m.n)).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
    for (;;) {
      const r = await slow.iter.next().catch(() => ({ done: true }));
      if (r.done === true) break;
    }
    expect((await slow.conn.closed).code).toBe(SLOW_SUBSCRIBER_CLOSE);
  }, 60_000);
});

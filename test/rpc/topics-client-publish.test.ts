/**
 * Client publish requests on a topic without a publish handler: answered
 * within their receive when the engine publishes synchronously (the memory
 * engine), after its promise otherwise. Both give the same answers, the same
 * order and the same refusals.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClient } from '../../src/client/index.js';
import { memoryEngine } from '../../src/engine/index.js';
import type { Engine } from '../../src/engine/engine.js';
import { defineService } from '../../src/rpc/service.js';
import { createServer } from '../../src/server/rpc-entry.js';
import { delegate } from '../engine/delegate.js';
import { rejection, until } from './fixture.js';

const feed = defineService({
  feed: { topic: z.object({ id: z.string() }), message: z.object({ n: z.number() }), publish: true },
});

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const engines: [string, () => Engine][] = [
  ['synchronous (memory engine)', () => memoryEngine({ newEpoch: () => 'e1' })],
  ['asynchronous (no publishNow)', () => delegate(memoryEngine({ newEpoch: () => 'e1' }), {})],
];

describe.each(['json', 'msgpack'] as const)('client publish without a handler (%s)', (codec) => {
  it.each(engines)('%s: answers every request with its position, delivers in order, refuses invalid ones', async (_what, make) => {
    const engine = make();
    const server = createServer(feed, {}, { engine });
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
    cleanup.push(() => server.close());
    const c = createClient(feed, `ws://127.0.0.1:${port}/`, { codec, heartbeatMs: 0 });
    cleanup.push(() => c.close());
    const sub = c.feed.subscribe({ id: 'a' });
    await sub.ready();
    const got: number[] = [];
    // the subscription ends with the client (UNAVAILABLE) after the test
    void (async () => {
      for await (const m of sub) got.push(m.n);
    })().catch(() => undefined);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => c.feed.publish({ id: 'a' }, { n: i })));
    expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => ({ epoch: 'e1', offset: i + 1 })));
    expect((await rejection(c.feed.publish({ id: 'a' }, { n: 'x' as unknown as number }))).code).toBe('BAD_REQUEST');
    expect((await rejection(c.feed.publish({ id: 7 as unknown as string }, { n: 1 }))).code).toBe('BAD_REQUEST');
    expect(await c.feed.publish({ id: 'b' }, { n: 0 })).toEqual({ epoch: 'e1', offset: 1 });
    await until(() => got.length === 20);
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

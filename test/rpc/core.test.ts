import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type ClientOptions } from '../../src/client/rpc.js';
// the browser-safe client names msgpack only once its opt-in module is loaded
import '../../src/client/msgpack.js';
import { z } from 'zod';
import { RpcError } from '../../src/rpc/errors.js';
import { defineService } from '../../src/rpc/service.js';
import { RpcRouter, type RouterOptions } from '../../src/rpc/server.js';
import { Probe, rejection, testHandlers, testService, until } from './fixture.js';
import { MemoryLink } from './memory-transport.js';

type Ctx = { user: string };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

function setup(codec: 'json' | 'msgpack', routerOptions: RouterOptions<Ctx> = {}, clientOptions: ClientOptions = {}) {
  const probe = new Probe();
  const router = new RpcRouter(testService, testHandlers(probe), routerOptions);
  const link = new MemoryLink(router, { user: 'ada' });
  const client = createClient(testService, 'ws://memory', { codec, transport: link.factory, heartbeatMs: 0, ...clientOptions });
  closers.push(() => client.close());
  return { probe, router, link, client };
}

describe.each(['json', 'msgpack'] as const)('RPC core over memory (%s)', (codec) => {
  it('answers many unary calls in flight on one connection', async () => {
    const { client } = setup(codec);
    const names = Array.from({ length: 50 }, (_, i) => `n${i}`);
    const results = await Promise.all(names.map((name) => client.greet({ name })));
    expect(results.map((r) => r.message)).toEqual(names.map((n) => `hello ${n}`));
    expect(await client.noInput()).toBe('ok');
  });

  it('passes the connection context to handlers', async () => {
    const { client } = setup(codec);
    expect(await client.whoami()).toEqual({ user: 'ada' });
  });

  it('rejects bad input with BAD_REQUEST and the zod issues', async () => {
    const { client } = setup(codec);
    const err = await rejection(client.greet({ name: 42 as unknown as string }));
    expect(err.code).toBe('BAD_REQUEST');
    const issues = (err.data as { issues: { path: unknown[] }[] }).issues;
    expect(issues[0].path).toEqual(['name']);
  });

  it('checks output on the server before sending', async () => {
    const { client } = setup(codec);
    const err = await rejection(client.badOutput({}));
    expect(err.code).toBe('INVALID_OUTPUT');
    expect((err.data as { issues: unknown[] }).issues.length).toBeGreaterThan(0);
  });

  it('turns handler exceptions into INTERNAL without leaking, keeps RpcErrors', async () => {
    const seen: unknown[] = [];
    const { client } = setup(codec, { onError: (e) => seen.push(e) });
    const internal = await rejection(client.fail({ kind: 'crash' }));
    expect(internal.code).toBe('INTERNAL');
    expect(internal.message).not.toContain('secret');
    expect(internal.data).toBeUndefined();
    expect(seen).toHaveLength(1);
    const typed = await rejection(client.fail({ kind: 'rpc' }));
    expect(typed).toMatchObject({ code: 'NOT_FOUND', message: 'no such thing', data: { id: 7 } });
  });

  it('survives an onError observer that throws', async () => {
    const { client } = setup(codec, {
      onError: () => {
        throw new Error('observer broke');
      },
    });
    expect((await rejection(client.fail({ kind: 'crash' }))).code).toBe('INTERNAL');
    expect(await client.greet({ name: 'after' })).toEqual({ message: 'hello after' });
  });

  it('exposes handler errors when asked', async () => {
    const { client } = setup(codec, { exposeErrors: true });
    const err = await rejection(client.fail({ kind: 'crash' }));
    expect(err.message).toContain('secret');
    expect((err.data as { stack: string }).stack).toContain('Error');
  });

  it('streams server items and completes', async () => {
    const { client } = setup(codec);
    const got: number[] = [];
    for await (const { n } of client.count({ to: 200 })) got.push(n);
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('validates every streamed item', async () => {
    const { client } = setup(codec);
    const got: number[] = [];
    const err = await rejection(
      (async () => {
        for await (const { n } of client.badStream({})) got.push(n);
      })(),
    );
    expect(got).toEqual([1]);
    expect(err.code).toBe('INVALID_OUTPUT');
  });

  it('bounds a server stream by the credit window and cancels it when the loop ends early', async () => {
    const { client, probe } = setup(codec, {}, { streamWindow: 8 });
    const stream = client.ticks({});
    const first = await stream.next();
    expect(first.done).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    // never more than the window (plus the one item being produced) ahead of the consumer
    expect(probe.produced).toBeLessThanOrEqual(8 + 2);
    let seen = 1;
    for await (const _ of stream) {
      if (++seen === 30) break;
    }
    await until(() => probe.finallyRan === 1);
    expect(probe.aborted).toContain('ticks:CANCELLED');
  });

  it('sends client streams with credit and gets one result', async () => {
    const { client } = setup(codec, { limits: { streamWindow: 4 } });
    async function* numbers() {
      for (let n = 1; n <= 100; n++) yield { n };
    }
    expect(await client.sum(numbers())).toEqual({ total: 5050, count: 100 });
    expect(await client.sum([{ n: 2 }, { n: 3 }])).toEqual({ total: 5, count: 2 });
  });

  it('rejects a client stream item that fails validation', async () => {
    const { client } = setup(codec);
    const err = await rejection(client.sum([{ n: 1 }, { n: 'x' as unknown as number }]));
    expect(err.code).toBe('BAD_REQUEST');
  });

  it('delivers notifications without an answer', async () => {
    const { client, probe } = setup(codec);
    await client.log({ line: 'one' });
    await client.log({ line: 'two' });
    await until(() => probe.logs.length === 2);
    expect(probe.logs).toEqual(['one', 'two']);
  });

  it('carries an abort to the handler signal', async () => {
    const { client, probe } = setup(codec);
    const ac = new AbortController();
    const p = client.slow({ ms: 5000 }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    expect((await rejection(p)).code).toBe('CANCELLED');
    await until(() => probe.aborted.length === 1);
    expect(probe.aborted).toEqual(['slow:CANCELLED']);
    expect((await rejection(client.greet({ name: 'x' }, { signal: AbortSignal.abort() }))).code).toBe('CANCELLED');
    expect((await rejection(client.count({ to: 3 }, { signal: AbortSignal.abort() }).next())).code).toBe('CANCELLED');
    const streamAbort = new AbortController();
    const stream = client.ticks({}, { signal: streamAbort.signal });
    await stream.next();
    streamAbort.abort();
    const drained = rejection(
      (async () => {
        for await (const _ of stream) {
          // items already buffered may still arrive before the error
        }
      })(),
    );
    expect((await drained).code).toBe('CANCELLED');
    await until(() => probe.aborted.includes('ticks:CANCELLED'));
  });

  it('times out per call and by default, cancelling at the server', async () => {
    const { client, probe } = setup(codec, {}, { timeoutMs: 60 });
    const started = Date.now();
    expect((await rejection(client.slow({ ms: 5000 }, { timeoutMs: 30 }))).code).toBe('TIMEOUT');
    expect((await rejection(client.slow({ ms: 5000 }))).code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1000);
    await until(() => probe.aborted.length === 2);
    expect(await client.slow({ ms: 1 }, { timeoutMs: 1000 })).toEqual({ done: true });
  });

  it('runs middleware around calls and lets it reject', async () => {
    const order: string[] = [];
    const { client } = setup(codec, {
      middleware: [
        async (ctx, next) => {
          order.push(`in:${ctx.method}`);
          const r = await next();
          order.push(`out:${ctx.method}`);
          return r;
        },
        async (ctx, next) => {
          if (ctx.method === 'noInput') throw new RpcError('FORBIDDEN', 'not you');
          return next();
        },
      ],
    });
    expect(await client.greet({ name: 'a' })).toEqual({ message: 'hello a' });
    expect((await rejection(client.noInput())).code).toBe('FORBIDDEN');
    const items: number[] = [];
    for await (const { n } of client.count({ to: 2 })) items.push(n);
    expect(items).toEqual([1, 2]);
    expect(order).toEqual(['in:greet', 'out:greet', 'in:noInput', 'in:count', 'out:count']);
  });

  it('turns a middleware that throws synchronously into an error answer', async () => {
    const { client } = setup(codec, {
      middleware: [
        ((ctx: { method: string }, next: () => Promise<unknown>) => {
          if (ctx.method === 'greet') throw new RpcError('UNAUTHORIZED', 'no');
          return next();
        }) as never,
      ],
    });
    expect((await rejection(client.greet({ name: 'a' }))).code).toBe('UNAUTHORIZED');
    expect((await rejection(client.count({ to: 1 }).next().then(() => client.greet({ name: 'b' })))).code).toBe('UNAUTHORIZED');
    expect(await client.noInput()).toBe('ok');
  });

  it('limits calls in flight with TOO_MANY_REQUESTS and keeps the connection', async () => {
    const { client } = setup(codec, { limits: { maxInFlight: 2 } });
    const slow = [client.slow({ ms: 100 }), client.slow({ ms: 100 })];
    const err = await rejection(client.greet({ name: 'x' }));
    expect(err.code).toBe('TOO_MANY_REQUESTS');
    await Promise.all(slow);
    expect(await client.greet({ name: 'y' })).toEqual({ message: 'hello y' });
  });

  it('limits concurrent streams', async () => {
    const { client } = setup(codec, { limits: { maxStreams: 1 } });
    const a = client.ticks({});
    await a.next();
    const err = await rejection(client.count({ to: 1 }).next());
    expect(err.code).toBe('TOO_MANY_REQUESTS');
    await a.return();
    await until(() => true);
    await new Promise((r) => setTimeout(r, 20));
    const got: number[] = [];
    for await (const { n } of client.count({ to: 2 })) got.push(n);
    expect(got).toEqual([1, 2]);
  });

  it('limits message size both ways with PAYLOAD_TOO_LARGE', async () => {
    const { client } = setup(codec, { limits: { maxMessageSize: 1000 } }, { maxMessageSize: 1 << 20 });
    expect((await rejection(client.greet({ name: 'x'.repeat(5000) }))).code).toBe('PAYLOAD_TOO_LARGE');
    expect((await rejection(client.big({ size: 5000 }))).code).toBe('PAYLOAD_TOO_LARGE');
    expect(await client.greet({ name: 'ok' })).toEqual({ message: 'hello ok' });
    const small = setup(codec, {}, { maxMessageSize: 100 }).client;
    expect((await rejection(small.greet({ name: 'y'.repeat(500) }))).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('validates results at the client, or not when turned off', async () => {
    // the server's definition is looser than the client's: its answers fail the client's schema
    const serverSide = defineService({ answer: { output: z.unknown() } });
    const clientSide = defineService({ answer: { output: z.string() } });
    const router = new RpcRouter(serverSide, { answer: () => 42 });
    const link = new MemoryLink(router, undefined);
    const strict = createClient(clientSide, 'ws://m', { codec, transport: link.factory, heartbeatMs: 0 });
    const loose = createClient(clientSide, 'ws://m', { codec, transport: link.factory, heartbeatMs: 0, validate: false });
    closers.push(() => strict.close(), () => loose.close());
    expect((await rejection(strict.answer())).code).toBe('INVALID_OUTPUT');
    expect(await loose.answer()).toBe(42);
  });
});

describe('RPC core: binary values', () => {
  it('keeps Uint8Array through msgpack', async () => {
    const { client } = setup('msgpack');
    const data = new Uint8Array([0, 1, 2, 250, 255]);
    const r = await client.echoBytes({ data });
    expect(r.data).toBeInstanceOf(Uint8Array);
    expect([...r.data]).toEqual([...data]);
    expect(r.size).toBe(5);
  });
});

describe('RPC core: connection resilience', () => {
  it('fails in-flight calls with UNAVAILABLE on disconnect and resumes after reconnect', async () => {
    const { client, link } = setup('json', {}, { reconnect: { initialDelayMs: 5, maxDelayMs: 20 } });
    const states: string[] = [];
    client.on('state', (s) => states.push(s));
    await client.ready();
    const inflight = client.slow({ ms: 1000 });
    await new Promise((r) => setTimeout(r, 10));
    link.kill();
    expect((await rejection(inflight)).code).toBe('UNAVAILABLE');
    expect(await client.greet({ name: 'again' })).toEqual({ message: 'hello again' });
    expect(states).toEqual(['open', 'reconnecting', 'open']);
    expect(link.opened).toBe(2);
  });

  it('queues calls while disconnected (bounded) and sends them on reconnect', async () => {
    const { client, link } = setup('json', {}, { reconnect: { initialDelayMs: 30, maxDelayMs: 30, jitter: 0 }, maxQueue: 2 });
    await client.ready();
    link.up = false;
    link.kill();
    await new Promise((r) => setTimeout(r, 5));
    const a = client.greet({ name: 'a' });
    const b = client.greet({ name: 'b' });
    expect((await rejection(client.greet({ name: 'c' }))).code).toBe('UNAVAILABLE');
    link.up = true;
    expect(await Promise.all([a, b])).toEqual([{ message: 'hello a' }, { message: 'hello b' }]);
  });

  it('fails fast while disconnected when the queue is off', async () => {
    const { client, link } = setup('json', {}, { reconnect: { initialDelayMs: 1000 }, maxQueue: 0 });
    await client.ready();
    link.kill();
    await new Promise((r) => setTimeout(r, 5));
    expect((await rejection(client.greet({ name: 'a' }))).code).toBe('UNAVAILABLE');
  });

  it('closes for good when reconnect is off', async () => {
    const { client, link } = setup('json', {}, { reconnect: false });
    await client.ready();
    link.kill();
    await until(() => client.state === 'closed');
    expect((await rejection(client.greet({ name: 'a' }))).code).toBe('UNAVAILABLE');
  });

  it('resumes a resumable stream after reconnect from the last event id', async () => {
    const { client, link, probe } = setup('msgpack', {}, { reconnect: { initialDelayMs: 5, maxDelayMs: 10 } });
    const seqs: number[] = [];
    for await (const { seq } of client.feed({})) {
      seqs.push(seq);
      if (seq === 20) link.kill();
      if (seqs.length === 60) break;
    }
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(probe.lastEventIds[0]).toBeUndefined();
    expect(probe.lastEventIds.length).toBe(2);
    expect(Number(probe.lastEventIds[1])).toBeGreaterThanOrEqual(20);
  });

  it('ends a non-resumable stream with UNAVAILABLE on disconnect', async () => {
    const { client, link } = setup('json', {}, { reconnect: { initialDelayMs: 5 } });
    const s = client.ticks({});
    await s.next();
    link.kill();
    const err = await rejection(
      (async () => {
        for await (const _ of s) {
          // drain
        }
      })(),
    );
    expect(err.code).toBe('UNAVAILABLE');
  });

  it('detects a silent connection with heartbeats and reconnects', async () => {
    const { client, link } = setup('json', {}, { heartbeatMs: 20, reconnect: { initialDelayMs: 5 } });
    await client.ready();
    const errors: string[] = [];
    client.on('error', (e) => errors.push((e as RpcError).code));
    link.blackhole = true;
    await until(() => client.state !== 'open');
    link.blackhole = false;
    await until(() => client.state === 'open');
    expect(errors).toContain('UNAVAILABLE');
    expect(await client.greet({ name: 'z' })).toEqual({ message: 'hello z' });
  });

  it('close() fails pending calls and later calls', async () => {
    const { client } = setup('json');
    await client.ready();
    const failed = rejection(client.slow({ ms: 1000 }));
    await client.close();
    expect((await failed).code).toBe('UNAVAILABLE');
    expect(client.state).toBe('closed');
    expect((await rejection(client.greet({ name: 'x' }))).code).toBe('UNAVAILABLE');
  });
});

describe('RPC core: local input errors', () => {
  it('rejects input the codec cannot encode instead of throwing', async () => {
    const { client } = setup('json');
    await client.ready();
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    const p = client.greet(cyclic as { name: string });
    expect((await rejection(p)).code).toBe('BAD_REQUEST');
    expect(await client.greet({ name: 'fine' })).toEqual({ message: 'hello fine' });
  });
});

describe('defineService', () => {
  it('refuses names the client uses itself and definitions without a shape', () => {
    expect(() => defineService({ close: { output: z.string() } } as never)).toThrow(/reserved/);
    expect(() => defineService({ odd: { input: z.string() } } as never)).toThrow(/needs output/);
    expect(() => defineService({ odd: { output: 'nope' } } as never)).toThrow(/zod schema/);
  });
});

/**
 * The types-only client, `createClient<typeof service>(url)`: no definition at
 * run time, the kind of each call found from how it is used, over real sockets.
 */
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { createClient, msgpack, type ServerStream, type TypesOnlyClient, type TypesOnlyOptions } from '../../src/client/index.js';
import { jsonEnvelope } from '../../src/rpc/codec-json.js';
import { createServer } from '../../src/server/rpc-server.js';
import { defineService } from '../../src/rpc/service.js';
import { Probe, rejection, testHandlers, testService, until } from './fixture.js';

type Methods = (typeof testService)['methods'];
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function serve(at = 0): Promise<{ probe: Probe; url: string; close: () => Promise<void> }> {
  const probe = new Probe();
  const server = createServer(testService, testHandlers(probe), { context: () => ({ user: 'ada' }) });
  const { port } = await server.listen({ port: at });
  cleanup.push(() => server.close());
  return { probe, url: `ws://127.0.0.1:${port}/rpc`, close: () => server.close() };
}

function typesOnly(url: string, options: Partial<TypesOnlyOptions<Methods>> = {}): TypesOnlyClient<Methods> {
  const c = createClient<typeof testService>(url, { notify: ['log'], resumable: ['feed'], heartbeatMs: 0, ...options });
  cleanup.push(() => c.close());
  return c;
}

async function* numbers(n: number): AsyncGenerator<{ n: number }> {
  for (let i = 1; i <= n; i++) yield { n: i };
}

describe.each([
  ['json by name', { codec: 'json' as const }],
  ['json codec object', { codec: jsonEnvelope }],
  ['msgpack codec object', { codec: msgpack }],
  ['msgpack by name', { codec: 'msgpack' as const }],
])('types-only client (%s)', (_name, options) => {
  it('sends unary calls, server streams, client streams and notifications by how each call is used', async () => {
    const { url, probe } = await serve();
    const c = typesOnly(url, options);
    expect(await c.greet({ name: 'Ada' })).toEqual({ message: 'hello Ada' });
    expect(await c.noInput()).toBe('ok');
    const ns: number[] = [];
    for await (const { n } of c.count({ to: 5 })) ns.push(n);
    expect(ns).toEqual([1, 2, 3, 4, 5]);
    expect(await c.sum(numbers(4))).toEqual({ total: 10, count: 4 });
    expect(await c.sum([{ n: 1 }, { n: 2 }].values())).toEqual({ total: 3, count: 2 });
    await c.log({ line: 'typed' });
    await until(() => probe.logs.length === 1);
    expect(probe.logs).toEqual(['typed']);
    expect((await rejection(c.fail({ kind: 'rpc' }))).code).toBe('NOT_FOUND');
  });
});

describe('types-only client', () => {
  it('does not validate on the client: the server still does, both ways', async () => {
    const { url } = await serve();
    const c = typesOnly(url);
    expect((await rejection(c.greet({ name: 42 } as unknown as { name: string }))).code).toBe('BAD_REQUEST');
    expect((await rejection(c.badOutput({}))).code).toBe('INVALID_OUTPUT');
  });

  it('cancels by signal and by leaving a for-await; a call used both ways fails', async () => {
    const { url, probe } = await serve();
    const c = typesOnly(url);
    const ac = new AbortController();
    const slow = c.slow({ ms: 10_000 }, { signal: ac.signal });
    const settled = rejection(slow);
    await until(() => true);
    setTimeout(() => ac.abort(), 50);
    expect((await settled).code).toBe('CANCELLED');
    await until(() => probe.aborted.includes('slow:CANCELLED'));
    for await (const { n } of c.ticks({})) if (n === 3) break;
    await until(() => probe.finallyRan === 1);
    const aborted = new AbortController();
    aborted.abort();
    expect((await rejection(c.greet({ name: 'x' }, { signal: aborted.signal }))).code).toBe('CANCELLED');
    const both = c.count({ to: 2 }) as unknown as ServerStream<{ n: number }> & PromiseLike<unknown>;
    await both.next();
    await expect(Promise.resolve(both)).rejects.toThrow(/already iterated/);
  });

  it('resumes the streams named in `resumable` across a server restart, and only those', async () => {
    const first = await serve();
    const port = Number(new URL(first.url).port);
    const reconnect = { initialDelayMs: 10, maxDelayMs: 50 };
    const seqs: number[] = [];
    let second: Awaited<ReturnType<typeof serve>> | null = null;
    for await (const { seq } of typesOnly(first.url, { reconnect }).feed({})) {
      seqs.push(seq);
      if (seq === 10) {
        await first.close();
        second = await serve(port);
      }
      if (seqs.length === 40) break;
    }
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(Number(second?.probe.lastEventIds[0])).toBeGreaterThanOrEqual(10);

    const notResumed = typesOnly(second!.url, { reconnect, resumable: [] }).feed({});
    expect((await notResumed.next()).value).toEqual({ seq: 0 });
    await second!.close();
    // the items already received drain first, then the stream ends with the connection
    const drain = async (): Promise<void> => {
      for (let i = 0; i < 1000; i++) if ((await notResumed.next()).done === true) return;
    };
    expect((await rejection(drain())).code).toBe('UNAVAILABLE');
  });

  it('refuses a codec that is not loaded, naming the import', () => {
    expect(() => createClient<typeof testService>('ws://127.0.0.1:1', { notify: ['log'], codec: 'cbor' as 'json' })).toThrow(/zwire\/client\/cbor/);
  });

  it('types: the same signatures as the validating client, streams as ServerStream, notify names checked', () => {
    type C = TypesOnlyClient<Methods>;
    expectTypeOf<C['greet']>().parameter(0).toEqualTypeOf<{ name: string }>();
    expectTypeOf<C['greet']>().returns.toEqualTypeOf<Promise<{ message: string }>>();
    expectTypeOf<C['count']>().returns.toEqualTypeOf<ServerStream<{ n: number }>>();
    expectTypeOf<C['log']>().returns.toEqualTypeOf<Promise<void>>();
    const never = (): void => {
      // @ts-expect-error a service with notifications needs them listed
      createClient<typeof testService>('ws://127.0.0.1:1');
      // @ts-expect-error greet is not a notification
      createClient<typeof testService>('ws://127.0.0.1:1', { notify: ['greet'] });
      // @ts-expect-error count is not resumable
      createClient<typeof testService>('ws://127.0.0.1:1', { notify: ['log'], resumable: ['count'] });
      // a service without notifications needs no options
      const plain = defineService({ greet: testService.methods.greet });
      void createClient<typeof plain>('ws://127.0.0.1:1').greet({ name: 'a' });
      const c = typesOnly('ws://127.0.0.1:1');
      // @ts-expect-error an array is one unary input: client streams take an iterator
      void c.sum([{ n: 1 }]);
    };
    expect(typeof never).toBe('function');
  });
});

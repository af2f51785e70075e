/**
 * Values the schemas promise (z.date(), z.bigint(), z.map(), z.set(),
 * z.instanceof(Uint8Array), optional fields) survive a real server and client
 * over 127.0.0.1 with both codecs, for the validating and the types-only
 * client, in unary calls, server streams and client streams; generated values
 * go through an echo method and through a method whose schema is the record
 * above; a malformed tag is answered, not fatal.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { createClient, type ClientOptions } from '../../src/client/index.js';
import { createServer } from '../../src/server/rpc-server.js';
import { Subprotocol } from '../../src/rpc/envelope.js';
import { defineService } from '../../src/rpc/service.js';
import { delivered, wireValue } from './wire-values.js';

const record = z.object({
  at: z.date(),
  id: z.bigint(),
  tags: z.set(z.string()),
  counts: z.map(z.string(), z.bigint()),
  blob: z.instanceof(Uint8Array),
  note: z.string().optional(),
  seen: z.date().optional(),
  nested: z.array(z.object({ when: z.date(), size: z.bigint().optional() })),
});
type Rec = z.infer<typeof record>;

const values = defineService({
  roundTrip: { input: record, output: record },
  since: { input: z.object({ from: z.date(), n: z.number().int() }), stream: z.object({ at: z.date(), seq: z.bigint(), raw: z.instanceof(Uint8Array) }) },
  total: { clientStream: z.object({ at: z.date(), amount: z.bigint() }), output: z.object({ total: z.bigint(), last: z.date().optional(), byDay: z.map(z.string(), z.bigint()) }) },
  echo: { input: z.unknown(), output: z.unknown() },
  same: { input: record, output: record },
});

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function serve(): Promise<string> {
  const server = createServer(values, {
    roundTrip: (r) => ({ ...r, id: r.id + 1n, tags: new Set([...r.tags, 'seen']), counts: new Map([...r.counts, ['n', BigInt(r.counts.size)]]) }),
    since: async function* ({ from, n }) {
      for (let i = 0; i < n; i++) yield { at: new Date(from.getTime() + i * 86_400_000), seq: 2n ** 64n + BigInt(i), raw: new Uint8Array([i, 255 - i]) };
    },
    total: async (items) => {
      let total = 0n;
      let last: Date | undefined;
      const byDay = new Map<string, bigint>();
      for await (const { at, amount } of items) {
        total += amount;
        last = at;
        const day = at.toISOString().slice(0, 10);
        byDay.set(day, (byDay.get(day) ?? 0n) + amount);
      }
      return { total, last, byDay };
    },
    echo: (v) => v,
    same: (r) => r,
  });
  const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
  cleanup.push(() => server.close());
  return `ws://127.0.0.1:${port}/rpc`;
}

const sample: Rec = {
  at: new Date('2024-03-01T10:00:00.123Z'),
  id: 2n ** 70n,
  tags: new Set(['a', 'b']),
  counts: new Map([['x', 1n], ['y', -(2n ** 65n)]]),
  blob: new Uint8Array([0, 1, 2, 250, 255]),
  note: undefined,
  nested: [{ when: new Date(0) }, { when: new Date(1), size: 5n }],
};

async function* deposits(): AsyncGenerator<{ at: Date; amount: bigint }> {
  for (let i = 0; i < 5; i++) yield { at: new Date(Date.UTC(2024, 0, 1 + (i % 2), 12)), amount: 10n ** 20n + BigInt(i) };
}

describe('a types-only client over 127.0.0.1', () => {
  it('sends a Set or a Map as the input of a unary call (only an iterator or an async iterable is a client stream)', async () => {
    const url = await serve();
    const c = createClient<typeof values>(url, { heartbeatMs: 0 });
    cleanup.push(() => c.close());
    expect(await c.echo(new Set([1, 2]))).toEqual(new Set([1, 2]));
    expect(await c.echo(new Map([['a', 1n]]))).toEqual(new Map([['a', 1n]]));
    expect(await c.echo([1, 2])).toEqual([1, 2]);
    expect(await c.total(deposits())).toMatchObject({ total: 5n * 10n ** 20n + 10n });
  });
});

describe.each([
  ['json', { codec: 'json' }],
  ['msgpack', { codec: 'msgpack' }],
] as [string, ClientOptions][])('values the schemas promise over 127.0.0.1 (%s)', (_name, options) => {
  for (const kind of ['validating', 'types-only'] as const) {
    it(`carries them in unary calls, server streams and client streams (${kind} client)`, async () => {
      const url = await serve();
      const c =
        kind === 'validating'
          ? createClient(values, url, { heartbeatMs: 0, ...options })
          : createClient<typeof values>(url, { heartbeatMs: 0, codec: options.codec });
      cleanup.push(() => c.close());

      const out = await c.roundTrip(sample);
      expect(out.at).toBeInstanceOf(Date);
      expect(out.at.getTime()).toBe(sample.at.getTime());
      expect(out.id).toBe(2n ** 70n + 1n);
      expect(out.tags).toEqual(new Set(['a', 'b', 'seen']));
      expect(out.counts).toEqual(new Map([['x', 1n], ['y', -(2n ** 65n)], ['n', 2n]]));
      expect(out.blob).toBeInstanceOf(Uint8Array);
      expect([...out.blob]).toEqual([0, 1, 2, 250, 255]);
      expect(Object.hasOwn(out, 'note')).toBe(true);
      expect(out.note).toBeUndefined();
      expect(Object.hasOwn(out, 'seen')).toBe(false);
      expect(out.nested).toStrictEqual([{ when: new Date(0) }, { when: new Date(1), size: 5n }]);

      const got: { at: Date; seq: bigint; raw: Uint8Array }[] = [];
      for await (const item of c.since({ from: new Date(Date.UTC(2024, 0, 1)), n: 3 })) got.push(item);
      expect(got.map((g) => g.at.toISOString())).toEqual(['2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z', '2024-01-03T00:00:00.000Z']);
      expect(got.map((g) => g.seq)).toEqual([2n ** 64n, 2n ** 64n + 1n, 2n ** 64n + 2n]);
      expect(got.map((g) => [...g.raw])).toEqual([[0, 255], [1, 254], [2, 253]]);

      const sum = await c.total(deposits());
      expect(sum.total).toBe(5n * 10n ** 20n + 10n);
      expect(sum.last).toEqual(new Date(Date.UTC(2024, 0, 1, 12)));
      expect(sum.byDay).toEqual(new Map([['2024-01-01', 3n * 10n ** 20n + 6n], ['2024-01-02', 2n * 10n ** 20n + 4n]]));
    });
  }

  it('rejects at the server what the schema refuses (a date sent as a string is not a Date)', async () => {
    const url = await serve();
    const c = createClient<typeof values>(url, { heartbeatMs: 0, codec: options.codec });
    cleanup.push(() => c.close());
    const err = await c.roundTrip({ ...sample, at: sample.at.toISOString() as unknown as Date }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('echoes generated values as they were sent', async () => {
    const url = await serve();
    const c = createClient(values, url, { heartbeatMs: 0, ...options });
    cleanup.push(() => c.close());
    await fc.assert(
      fc.asyncProperty(wireValue(options.codec === 'json'), async (v) => {
        expect(delivered(await c.echo(v))).toStrictEqual(delivered(v));
      }),
      { numRuns: 40 },
    );
  });
});

const date = fc.date({ noInvalidDate: true });
/** Values of `record`: optional fields absent, present, or present as undefined. */
const records: fc.Arbitrary<Rec> = fc.record(
  {
    at: date,
    id: fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }),
    tags: fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }).map((a) => new Set(a)),
    counts: fc.array(fc.tuple(fc.string({ maxLength: 8 }), fc.bigInt()), { maxLength: 4 }).map((e) => new Map(e)),
    blob: fc.uint8Array({ maxLength: 64 }),
    note: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
    seen: fc.option(date, { nil: undefined }),
    nested: fc.array(fc.record({ when: date, size: fc.bigInt() }, { requiredKeys: ['when'] }), { maxLength: 3 }),
  },
  { requiredKeys: ['at', 'id', 'tags', 'counts', 'blob', 'nested'] },
);

describe.each([
  ['json', 'json'],
  ['msgpack', 'msgpack'],
] as const)('generated values of a zod schema over 127.0.0.1 (%s)', (_name, codec) => {
  it('come back from the server as they were sent, through the validating and the types-only client', async () => {
    const url = await serve();
    const validating = createClient(values, url, { heartbeatMs: 0, codec });
    const typesOnly = createClient<typeof values>(url, { heartbeatMs: 0, codec });
    cleanup.push(() => validating.close(), () => typesOnly.close());
    await fc.assert(
      fc.asyncProperty(records, async (r) => {
        expect(delivered(await validating.same(r))).toStrictEqual(delivered(r));
        expect(delivered(await typesOnly.same(r))).toStrictEqual(delivered(r));
      }),
      { numRuns: 30 },
    );
  });
});

/**
 * Methods on either side of the encoders' fast path (plain-schema.ts): a
 * plain output skips the codec walk, the others keep it; both arrive whole.
 */
const edges = defineService({
  plain: { input: z.object({ n: z.number() }), output: z.object({ n: z.number(), s: z.string(), list: z.array(z.object({ ok: z.boolean() })) }) },
  plainItems: { input: z.object({ n: z.number().int() }), stream: z.object({ i: z.number(), s: z.string() }) },
  tagKey: { input: z.object({ v: z.string() }), output: z.object({ $zw: z.string() }) },
  optional: { input: z.object({}), output: z.object({ a: z.string().optional(), b: z.number() }) },
  loose: { input: z.object({}), output: z.looseObject({ n: z.number() }) },
  dated: { input: z.object({}), output: z.union([z.string(), z.date()]) },
  datedItems: { input: z.object({ n: z.number().int() }), stream: z.object({ at: z.date() }) },
});
const plainValues = fc.record({ n: fc.double({ noNaN: true, noDefaultInfinity: true }), s: fc.string({ maxLength: 12 }), list: fc.array(fc.record({ ok: fc.boolean() }), { maxLength: 3 }) });

describe.each([
  ['json', 'json'],
  ['msgpack', 'msgpack'],
] as const)('outputs on either side of the fast path over 127.0.0.1 (%s)', (_name, codec) => {
  it('arrive as the handler returned them', async () => {
    let next: unknown = null;
    const server = createServer(edges, {
      plain: () => next as { n: number; s: string; list: { ok: boolean }[] },
      plainItems: function* ({ n }) {
        for (let i = 0; i < n; i++) yield { i, s: `item ${i}` };
      },
      tagKey: ({ v }) => ({ $zw: v }),
      optional: () => ({ a: undefined, b: 1 }),
      loose: () => ({ n: 1, when: new Date(5), big: 7n, tags: new Set(['x']) }),
      dated: () => new Date(9),
      datedItems: function* ({ n }) {
        for (let i = 0; i < n; i++) yield { at: new Date(i) };
      },
    });
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
    cleanup.push(() => server.close());
    const c = createClient(edges, `ws://127.0.0.1:${port}`, { heartbeatMs: 0, codec });
    cleanup.push(() => c.close());

    await fc.assert(
      fc.asyncProperty(plainValues, async (v) => {
        next = v;
        expect(delivered(await c.plain({ n: 0 }))).toStrictEqual(delivered(v));
      }),
      { numRuns: 30 },
    );
    const items: unknown[] = [];
    for await (const item of c.plainItems({ n: 3 })) items.push(item);
    expect(items).toStrictEqual([0, 1, 2].map((i) => ({ i, s: `item ${i}` })));

    expect(await c.tagKey({ v: 'Date' })).toStrictEqual({ $zw: 'Date' });
    const opt = await c.optional({});
    expect(Object.hasOwn(opt, 'a')).toBe(true);
    expect(opt).toStrictEqual({ a: undefined, b: 1 });
    expect(await c.loose({})).toStrictEqual({ n: 1, when: new Date(5), big: 7n, tags: new Set(['x']) });
    expect(await c.dated({})).toStrictEqual(new Date(9));
    const dates: Date[] = [];
    for await (const { at } of c.datedItems({ n: 2 })) dates.push(at);
    expect(dates).toStrictEqual([new Date(0), new Date(1)]);
  });
});

describe('a malformed tag from the network', () => {
  it('is answered with a connection-level error, and the connection keeps serving', async () => {
    const url = await serve();
    const ws = new WebSocket(url, [Subprotocol.json]);
    cleanup.push(async () => ws.terminate());
    const inbox: unknown[][] = [];
    ws.on('message', (data) => inbox.push(JSON.parse(String(data)) as unknown[]));
    await new Promise((r) => ws.once('open', r));
    ws.send('[1,1,"echo",{"$zw":["bigint","12.5"]}]');
    ws.send('[1,2,"echo",{"$zw":["bigint","125"]}]');
    ws.send('[1,3,"echo",{"$zw":["$zw",{"$zw":["bigint","1"]}]}]');
    const end = Date.now() + 5000;
    while (inbox.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    expect(inbox).toEqual([
      [12, 0, 'BAD_REQUEST', 'malformed message'],
      [11, 2, { $zw: ['bigint', '125'] }],
      [11, 3, { $zw: ['$zw', { $zw: ['bigint', '1'] }] }],
    ]);
  });
});

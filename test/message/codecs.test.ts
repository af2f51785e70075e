import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { PackrStream } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../../src/message/codecs/codec.js';
import { createJsonCodec, jsonCodec } from '../../src/message/codecs/json.js';
import { msgpackCodec } from '../../src/message/codecs/msgpack.js';
import { readValueStream, receiveValues, sendValues, writeValueStream } from '../../src/message/codecs/values.js';
import type { MessageStream } from '../../src/message/message.js';
import { pairsClosedAfterEach } from './helpers.js';

const { pair } = pairsClosedAfterEach();

const sample = [{ id: 1, name: 'zwire', tags: ['a', 'b'], nested: { ok: true, n: null } }, 'text ✓', 42, [1, 2, 3], false];

/** Whether a JSON value has a `__proto__` key anywhere (msgpackr renames those, see below). */
function hasProtoKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasProtoKey);
  if (v === null || typeof v !== 'object') return false;
  return Object.keys(v).some((k) => k === '__proto__' || hasProtoKey((v as Record<string, unknown>)[k]));
}

async function drain<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

describe.each([
  ['json', jsonCodec],
  ['msgpack', msgpackCodec],
])('%s codec', (name, codec) => {
  it('round-trips single values', () => {
    for (const v of sample) expect(codec.decode(codec.encode(v))).toEqual(v);
  });

  it('stream-decodes values split at every byte boundary', () => {
    const enc = codec.streamEncoder();
    const bytes = Buffer.concat(sample.map((v) => enc.encode(v)));
    for (const step of [1, 2, 3, 7, bytes.length]) {
      const dec = codec.streamDecoder();
      const out: unknown[] = [];
      for (let i = 0; i < bytes.length; i += step) out.push(...dec.write(bytes.subarray(i, i + step)));
      dec.end();
      expect(out).toEqual(sample);
    }
  });

  it('property: any JSON-safe values survive a chunked stream', () => {
    const value = fc.jsonValue().filter((v) => v !== null && (name === 'json' || !hasProtoKey(v)));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 20 }), fc.integer({ min: 1, max: 16 }), (values, step) => {
        const enc = codec.streamEncoder();
        const bytes = Buffer.concat(values.map((v) => enc.encode(v)));
        const dec = codec.streamDecoder();
        const out: unknown[] = [];
        for (let i = 0; i < bytes.length; i += step) out.push(...dec.write(bytes.subarray(i, i + step)));
        dec.end();
        expect(out).toEqual(JSON.parse(JSON.stringify(values)));
      }),
      { numRuns: 100 },
    );
  });

  it('never lets a __proto__ key reach the prototype', () => {
    const decoded = codec.decode(codec.encode(JSON.parse('{"__proto__":{"polluted":1}}'))) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // JSON.parse keeps it as an own property; msgpackr renames it to __proto_ on purpose.
    expect(Object.keys(decoded)).toEqual([name === 'json' ? '__proto__' : '__proto_']);
  });

  it('reports a truncated stream', () => {
    const bytes = codec.streamEncoder().encode({ long: 'x'.repeat(100) });
    const dec = codec.streamDecoder();
    expect(dec.write(bytes.subarray(0, bytes.length - 3))).toEqual([]);
    expect(() => dec.end()).toThrow(CodecError);
  });

  it('sends a sequence of values as messages and reads them back', async () => {
    const { server, client } = await pair();
    async function* source() {
      yield* sample;
    }
    const sent = await sendValues(client, source(), codec);
    expect(sent).toBe(sample.length);
    const got: unknown[] = [];
    for await (const v of receiveValues(server, codec)) {
      got.push(v);
      if (got.length === sample.length) break;
    }
    expect(got).toEqual(sample);
  });

  it('streams many values inside one fragmented message', async () => {
    const { server, client } = await pair();
    const values = Array.from({ length: 5000 }, (_, i) => ({ i, s: `value ${i}` }));
    const writing = writeValueStream(client, values, codec, { fragmentSize: 1000 });
    let got: unknown[] = [];
    for await (const msg of server.messages({ stream: true })) {
      expect(msg.binary).toBe(codec.binary);
      got = await drain(readValueStream(msg, codec));
      break;
    }
    expect(await writing).toBe(values.length);
    expect(got).toEqual(values);
  });
});

describe('writeValueStream failures', () => {
  it('a source that fails mid-stream rejects and closes the connection with 1011', async () => {
    const { server, client } = await pair();
    async function* failing() {
      yield { ok: 1 };
      yield { ok: 2 };
      throw new Error('source broke');
    }
    const reading = (async () => {
      for await (const msg of server.messages({ stream: true })) await drain(readValueStream(msg, jsonCodec)).catch(() => undefined);
    })();
    await expect(writeValueStream(client, failing(), jsonCodec, { fragmentSize: 4 })).rejects.toThrow('source broke');
    expect((await server.closed).code).toBe(1011);
    await reading;
  });

  it('rejects when the connection is gone', async () => {
    const { client } = await pair();
    client.terminate();
    await expect(writeValueStream(client, [1, 2, 3], jsonCodec)).rejects.toMatchObject({ code: 'ERR_CONN_CLOSED' });
  });
});

describe('codec errors', () => {
  it('JSON refuses values it cannot represent and malformed input', () => {
    expect(() => jsonCodec.encode(undefined)).toThrow(CodecError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => jsonCodec.encode(cyclic)).toThrow(expect.objectContaining({ code: 'ERR_ENCODE' }));
    expect(() => jsonCodec.decode('{nope')).toThrow(expect.objectContaining({ code: 'ERR_DECODE' }));
    expect(() => jsonCodec.streamDecoder().write(Buffer.from('{"a":1}\n{bad}\n'))).toThrow(CodecError);
  });

  it('NDJSON skips blank lines and bounds an unfinished line', () => {
    const dec = createJsonCodec({ maxValueBytes: 10 }).streamDecoder();
    expect(dec.write(Buffer.from('1\n\n \r\n2\n'))).toEqual([1, 2]);
    expect(() => dec.write(Buffer.from('"0123456789abc'))).toThrow(expect.objectContaining({ code: 'ERR_VALUE_TOO_BIG' }));
  });

  it('msgpack rejects malformed input', () => {
    expect(() => msgpackCodec.decode(Uint8Array.of(0x92, 0x01))).toThrow(CodecError);
    expect(() => msgpackCodec.decode(Uint8Array.of(0x01, 0x02))).toThrow(expect.objectContaining({ code: 'ERR_DECODE' }));
  });
});

describe("msgpackr's stream classes", () => {
  it('a PackrStream piped into conn.writer() is read back with readValueStream', async () => {
    const { server, client } = await pair();
    const values = Array.from({ length: 300 }, (_, i) => ({ n: i, list: [i, i * 2] }));
    const writing = pipeline(Readable.from(values), new PackrStream({ useRecords: false }), client.writer({ fragmentSize: 512 }));
    const it = server.messages({ stream: true })[Symbol.asyncIterator]();
    const msg = (await it.next()).value as MessageStream;
    const got = await drain(readValueStream(msg, msgpackCodec));
    await writing;
    expect(got).toEqual(values);
  });
});

describe('msgpackr loading', () => {
  it('is not loaded by importing zwire, only when a MessagePack codec is first used', async () => {
    const { execFileSync } = await import('node:child_process');
    const script = [
      "import { createRequire } from 'node:module';",
      "const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes('/node_modules/msgpackr'));",
      "const zwire = await import('./src/index.ts');",
      'const before = loaded();',
      'const back = zwire.msgpackCodec.decode(zwire.msgpackCodec.encode({ a: [1, 2] }));',
      'console.log(JSON.stringify({ before, after: loaded(), back }));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(JSON.parse(out.trim().split('\n').pop() as string)).toEqual({ before: false, after: true, back: { a: [1, 2] } });
  });
});

import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DeflateError, PerMessageDeflate, setZlibConcurrency, zlibActivity } from '../../src/deflate/index.js';
import { expectBytes, jsonText, params } from './helpers.js';

const ZEROS_WINDOW = Buffer.alloc(32 * 1024);
const MiB = 1024 * 1024;

/**
 * A raw deflate message (tail stripped) inflating to 32 KiB + copies * 16 MiB of zeros: a 16 MiB block of
 * back-references that only needs 32 KiB of zeros before it, repeated.
 */
function bomb(copies: number): Buffer {
  const head = zlib.deflateRawSync(ZEROS_WINDOW, { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const block = zlib.deflateRawSync(Buffer.alloc(16 * MiB), {
    level: 9,
    dictionary: ZEROS_WINDOW,
    finishFlush: zlib.constants.Z_SYNC_FLUSH,
  });
  const whole = Buffer.concat([head, ...Array<Buffer>(copies).fill(block)]);
  return whole.subarray(0, whole.length - 4);
}

/** A message whose back-reference points into a history the receiver does not have. */
function referencesMissingContext(): Buffer {
  const text = Buffer.from('the same forty bytes, the same forty bytes');
  const out = zlib.deflateRawSync(text, { dictionary: text, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

async function refused(p: Promise<unknown>): Promise<DeflateError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeflateError);
  return err as DeflateError;
}

describe('inflated size limit (zip bombs)', () => {
  it('a ~1 MiB message inflating to 1 GiB is refused with 1009 after ~the limit, on the thread-pool path', async () => {
    const data = bomb(64);
    expect(data.length).toBeLessThan(1.2 * MiB);
    const engine = new PerMessageDeflate(params(), 'server', { maxMessageSize: MiB });
    const rss = process.memoryUsage().rss;
    const t = performance.now();
    const err = await refused(engine.decompress(data, true));
    expect(err.code).toBe('ERR_MESSAGE_TOO_BIG');
    expect(err.closeCode).toBe(1009);
    expect(performance.now() - t).toBeLessThan(500);
    expect(process.memoryUsage().rss - rss).toBeLessThan(100 * MiB);
    engine.close();
  });

  it('is refused on the synchronous path too (small compressed input)', async () => {
    const data = bomb(2);
    expect(data.length).toBeLessThan(64 * 1024);
    const engine = new PerMessageDeflate(params(), 'client', { maxMessageSize: 256 * 1024 });
    const err = await refused(engine.decompress(data, true));
    expect(err.closeCode).toBe(1009);
    engine.close();
  });

  it('counts every fragment of a message against the limit', async () => {
    const data = bomb(1);
    const engine = new PerMessageDeflate(params(), 'server', { maxMessageSize: 4 * MiB });
    const third = Math.floor(data.length / 3);
    let total = 0;
    const err = await (async () => {
      total += (await engine.decompress(data.subarray(0, third), false)).length;
      total += (await engine.decompress(data.subarray(third, 2 * third), false)).length;
      total += (await engine.decompress(data.subarray(2 * third), true)).length;
    })().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'ERR_MESSAGE_TOO_BIG', closeCode: 1009 });
    expect(total).toBeLessThanOrEqual(4 * MiB);
    engine.close();
  });

  it('accepts a message of exactly the limit, and one beyond the synchronous budget within the limit', async () => {
    const exact = new PerMessageDeflate(params(), 'server', { maxMessageSize: 100_000 });
    const sender = new PerMessageDeflate(params(), 'client');
    const data = jsonText(100_000);
    expectBytes(await exact.decompress(await sender.compress(data, true), true), data);
    const over = jsonText(100_001);
    const fresh = new PerMessageDeflate(params({ clientNoContextTakeover: true }), 'server', { maxMessageSize: 100_000 });
    const c = await new PerMessageDeflate(params({ clientNoContextTakeover: true }), 'client').compress(over, true);
    expect((await refused(fresh.decompress(c, true))).closeCode).toBe(1009);

    const large = new PerMessageDeflate(params(), 'client', { maxMessageSize: 40 * MiB, syncMaxBytes: 64 * 1024 });
    const out = await large.decompress(bomb(2), true);
    expect(out.length).toBe(32 * 1024 + 32 * MiB);
    expect(out.every((b) => b === 0)).toBe(true);
    for (const e of [exact, sender, fresh, large]) e.close();
  });
});

describe('the limit a caller passes for each message', () => {
  const compressed = (n: number): Buffer => {
    const out = zlib.deflateRawSync(Buffer.alloc(n, 0x61), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    return out.subarray(0, out.length - 4);
  };

  it('replaces the default: a message over it is refused, on both paths, and the next one is judged by its own', async () => {
    const engine = new PerMessageDeflate(params(), 'server', { syncMaxBytes: 1024 });
    expect((await engine.decompress(compressed(4000), true, 4000)).length).toBe(4000);
    const sync = await refused(engine.decompress(compressed(4001), true, 4000));
    expect([sync.code, sync.closeCode]).toEqual(['ERR_MESSAGE_TOO_BIG', 1009]);
    const fresh = new PerMessageDeflate(params(), 'server', { syncMaxBytes: 1024 });
    const big = bomb(1);
    const pool = await refused(fresh.decompress(big, true, MiB));
    expect(pool.closeCode).toBe(1009);
    expect((await fresh.decompress(compressed(10), true, Infinity)).length).toBe(10);
    engine.close();
    fresh.close();
  });

  it('is capped by the maxMessageSize option when one is set', async () => {
    const engine = new PerMessageDeflate(params(), 'server', { maxMessageSize: 100 });
    const err = await refused(engine.decompress(compressed(101), true, 4000));
    expect(err.code).toBe('ERR_MESSAGE_TOO_BIG');
    engine.close();
  });
});

describe('invalid compressed data', () => {
  const corrupt: [string, Buffer][] = [
    ['reserved block type', Buffer.from([0xff, 0xff, 0xff, 0xff])],
    ['stored block with bad length check', Buffer.from([0x00, 0x05, 0x00, 0x05, 0x00, 0x61])],
    ['distance reaching before the start of the data', referencesMissingContext()],
    ['random bytes', Buffer.from('b1e3c9a07f42d8e5116a0b3c9d8e7f60a1b2c3d4', 'hex')],
  ];
  for (const [name, data] of corrupt) {
    for (const syncMaxBytes of [64 * 1024, 0]) {
      it(`${name} -> DeflateError 1007 (${syncMaxBytes === 0 ? 'thread pool' : 'sync'})`, async () => {
        const engine = new PerMessageDeflate(params(), 'server', { syncMaxBytes });
        const err = await refused(engine.decompress(data, true));
        expect(err.code).toBe('ERR_DEFLATE_DATA');
        expect(err.closeCode).toBe(1007);
        engine.close();
      });
    }
  }

  for (const [syncMaxBytes, firstOut] of [[64 * 1024, 0], [0, 5000]]) {
    it(`corruption in a later fragment rejects the message with 1007 (first fragment ${firstOut ? 'streamed' : 'held'})`, async () => {
      const engine = new PerMessageDeflate(params(), 'server', { syncMaxBytes });
      const good = await new PerMessageDeflate(params(), 'client').compress(jsonText(5000), false);
      const out = await engine.decompress(good, false);
      expect(out.length).toBe(firstOut);
      const err = await refused(engine.decompress(Buffer.from([0xff, 0xff, 0xff]), true));
      expect(err.closeCode).toBe(1007);
      engine.close();
    });
  }
});

describe('process-wide zlib concurrency limit', () => {
  it('never runs more thread-pool jobs than the limit, across connections', async () => {
    setZlibConcurrency(2);
    try {
      const engines = Array.from({ length: 8 }, (_, i) => new PerMessageDeflate(params(), i % 2 ? 'client' : 'server', { syncMaxBytes: 0 }));
      const data = jsonText(30_000);
      let peak = 0;
      const timer = setInterval(() => {
        peak = Math.max(peak, zlibActivity().active);
      }, 0);
      const jobs = engines.flatMap((e) => [e.compress(data, true), e.compress(data, true)]);
      const samples: number[] = [];
      for (const j of jobs) {
        samples.push(zlibActivity().active);
        await j;
      }
      clearInterval(timer);
      expect(Math.max(peak, ...samples)).toBeLessThanOrEqual(2);
      expect(zlibActivity()).toMatchObject({ active: 0, queued: 0, limit: 2 });
      for (const e of engines) e.close();
    } finally {
      setZlibConcurrency(10);
    }
    expect(() => setZlibConcurrency(0)).toThrow(RangeError);
  });
});

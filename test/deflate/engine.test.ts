import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DeflateError, PerMessageDeflate } from '../../src/deflate/index.js';
import { expectBytes, jsonText, pair, params, randomBytes, ReferenceDeflater, ReferenceInflater, TAIL } from './helpers.js';

const TAIL_HEX = '0000ffff';

describe('PerMessageDeflate round trips', () => {
  const sizes = [0, 1, 125, 1023, 1024, 4096, 16 * 1024, 64 * 1024, 64 * 1024 + 1, 300 * 1024];
  for (const size of sizes) {
    it(`${size} bytes, both directions, text and random data`, async () => {
      const { server, client } = pair();
      for (const data of [jsonText(size, size), randomBytes(size, size + 1)]) {
        const c1 = await server.compress(data, true);
        expectBytes(await client.decompress(c1, true), data);
        const c2 = await client.compress(data, true);
        expectBytes(await server.decompress(c2, true), data);
      }
      server.close();
      client.close();
    });
  }

  it('strips the 00 00 ff ff tail on the last fragment only; an empty message is a single 00 byte', async () => {
    const { server } = pair();
    const whole = await server.compress(jsonText(2000), true);
    expect(whole.subarray(-4).toString('hex')).not.toBe(TAIL_HEX);
    const part = await server.compress(jsonText(2000, 9), false);
    expect(part.subarray(-4).toString('hex')).toBe(TAIL_HEX);
    const { client } = pair();
    expect((await client.compress(Buffer.alloc(0), true)).toString('hex')).toBe('00');
    expect((await client.decompress(Buffer.from([0x00]), true)).length).toBe(0);
    server.close();
    client.close();
  });

  it('streams a message in fragments both ways, split at arbitrary byte positions', async () => {
    const { server, client } = pair();
    const data = jsonText(50_000, 3);
    const parts = [data.subarray(0, 7), data.subarray(7, 20_000), data.subarray(20_000, 20_000), data.subarray(20_000)];
    const compressed: Buffer[] = [];
    for (let i = 0; i < parts.length; i++) compressed.push(await server.compress(parts[i], i === parts.length - 1));
    const wire = Buffer.concat(compressed);
    for (const cuts of [[1, 2, 3], [wire.length >> 1], [wire.length - 3, wire.length - 1], []]) {
      const { client: fresh } = pair();
      const out: Buffer[] = [];
      let prev = 0;
      for (const cut of cuts) {
        out.push(await fresh.decompress(wire.subarray(prev, cut), false));
        prev = cut;
      }
      out.push(await fresh.decompress(wire.subarray(prev), true));
      expectBytes(Buffer.concat(out), data);
      fresh.close();
    }
    // The fragmented message is part of the context: the next message still decodes.
    const out: Buffer[] = [];
    out.push(await client.decompress(wire.subarray(0, 10), false));
    out.push(await client.decompress(wire.subarray(10), true));
    expectBytes(Buffer.concat(out), data);
    const again = data.subarray(-3000);
    const next = await server.compress(again, true);
    expect(next.length).toBeLessThan(100);
    expectBytes(await client.decompress(next, true), again);
    server.close();
    client.close();
  });

  it('calls made without awaiting are processed in order (sync and thread-pool paths mixed)', async () => {
    const { server } = pair({}, { syncMaxBytes: 4096 });
    const msgs = [jsonText(100_000, 1), jsonText(1000, 2), jsonText(50_000, 3), jsonText(10, 4), jsonText(20_000, 1)];
    const outs = await Promise.all(msgs.map((m) => server.compress(m, true)));
    const ref = new ReferenceInflater();
    for (let i = 0; i < msgs.length; i++) expectBytes(await ref.message(outs[i]), msgs[i]);
    ref.close();
    server.close();
  });
});

describe('interoperability with a long-lived zlib context (how ws and most peers work)', () => {
  for (const bits of [15, 12, 9, 8]) {
    it(`our compressor under context takeover, window bits ${bits}, decodes with a ${bits}-bit peer inflater`, async () => {
      const engine = new PerMessageDeflate(params({ serverMaxWindowBits: bits }), 'server', { historySize: 32768, threshold: 0 });
      const ref = new ReferenceInflater(bits);
      for (let i = 0; i < 60; i++) {
        const data = i % 5 === 4 ? randomBytes(700, i) : jsonText(200 + ((i * 997) % 3000), i % 7);
        expectBytes(await ref.message(await engine.compress(data, true)), data);
      }
      ref.close();
      engine.close();
    });

    it(`our decompressor follows a peer's context, window bits ${bits}`, async () => {
      const engine = new PerMessageDeflate(params({ clientMaxWindowBits: bits }), 'server');
      const ref = new ReferenceDeflater(bits);
      for (let i = 0; i < 60; i++) {
        const data = i % 5 === 4 ? randomBytes(700, i) : jsonText(200 + ((i * 997) % 3000), i % 7);
        expectBytes(await engine.decompress(await ref.message(data), true), data);
      }
      ref.close();
      engine.close();
    });
  }
});

describe('context takeover', () => {
  it('kept: a repeated message compresses far smaller the second time', async () => {
    const { server, client } = pair();
    const data = randomBytes(2000, 5);
    const a = await server.compress(data, true);
    const b = await server.compress(data, true);
    expect(b.length).toBeLessThan(a.length / 10);
    expectBytes(await client.decompress(a, true), data);
    expectBytes(await client.decompress(b, true), data);
    server.close();
    client.close();
  });

  it('reset: with no_context_takeover every message stands alone', async () => {
    const { server, client } = pair({ serverNoContextTakeover: true, clientNoContextTakeover: true });
    const data = randomBytes(2000, 5);
    const a = await server.compress(data, true);
    const b = await server.compress(data, true);
    expectBytes(b, a);
    expectBytes(zlib.inflateRawSync(Buffer.concat([b, TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }), data);
    expectBytes(await client.decompress(b, true), data);
    const c = await client.compress(data, true);
    expectBytes(await client.compress(data, true), c);
    server.close();
    client.close();
  });

  it('a receiver that expects no context takeover rejects a message that uses it (1007)', async () => {
    const receiver = new PerMessageDeflate(params({ clientNoContextTakeover: true }), 'server');
    const ref = new ReferenceDeflater();
    const data = randomBytes(3000, 8);
    expectBytes(await receiver.decompress(await ref.message(data), true), data);
    await expect(receiver.decompress(await ref.message(data), true)).rejects.toMatchObject({ code: 'ERR_DEFLATE_DATA', closeCode: 1007 });
    ref.close();
    receiver.close();
  });

  it('a peer reaching beyond its negotiated window is rejected (1007)', async () => {
    const receiver = new PerMessageDeflate(params({ clientMaxWindowBits: 9 }), 'server');
    const ref = new ReferenceDeflater(15);
    const data = randomBytes(4000, 9);
    expectBytes(await receiver.decompress(await ref.message(data), true), data);
    await expect(receiver.decompress(await ref.message(data), true)).rejects.toBeInstanceOf(DeflateError);
    ref.close();
    receiver.close();
  });
});

describe('threshold', () => {
  it('compresses at or above the threshold only', () => {
    const e = new PerMessageDeflate(params(), 'client', { threshold: 100 });
    expect(e.shouldCompress(99)).toBe(false);
    expect(e.shouldCompress(100)).toBe(true);
    const d = new PerMessageDeflate(params(), 'client');
    expect(d.shouldCompress(1023)).toBe(false);
    expect(d.shouldCompress(1024)).toBe(true);
    const never = new PerMessageDeflate(params(), 'client', { threshold: Infinity });
    expect(never.shouldCompress(2 ** 40)).toBe(false);
  });
});

describe('close()', () => {
  it('rejects pending and later calls with ERR_DEFLATE_CLOSED', async () => {
    const { server, client } = pair({}, { syncMaxBytes: 0 });
    const big = jsonText(200_000);
    const pendingCompress = server.compress(big, true);
    const compressed = await server.compress(big, true).catch((e: unknown) => e);
    expect(compressed).toBeInstanceOf(Buffer);
    const pendingInflate = client.decompress(compressed as Buffer, false);
    server.close();
    client.close();
    await expect(pendingCompress).resolves.toBeInstanceOf(Buffer);
    await expect(pendingInflate).rejects.toMatchObject({ code: 'ERR_DEFLATE_CLOSED' });
    await expect(server.compress(big, true)).rejects.toMatchObject({ code: 'ERR_DEFLATE_CLOSED' });
    await expect(client.decompress(Buffer.from([0]), true)).rejects.toMatchObject({ code: 'ERR_DEFLATE_CLOSED' });
  });
});

describe('memory held between messages', () => {
  it('nothing before the first message; the windows under context takeover; nothing after close()', async () => {
    const { server, client } = pair();
    expect(server.retainedBytes).toBe(0);
    const data = jsonText(3000);
    expectBytes(await server.decompress(await client.compress(data, true), true), data);
    await server.compress(data, true);
    // 32 KiB receive window + 4 KiB send history, each with a quarter (at least 1 KiB) of slack.
    expect(server.retainedBytes).toBe(40 * 1024 + 5 * 1024);
    server.close();
    client.close();
    expect(server.retainedBytes).toBe(0);
  });

  it('scales with the negotiated window bits', async () => {
    const { server, client } = pair({ serverMaxWindowBits: 9, clientMaxWindowBits: 10 });
    await server.decompress(await client.compress(jsonText(3000), true), true);
    await server.compress(jsonText(3000), true);
    expect(server.retainedBytes).toBe(1024 + 1024 + (512 + 1024));
    server.close();
    client.close();
  });

  it('without context takeover nothing is kept between messages', async () => {
    const { server, client } = pair({ serverNoContextTakeover: true, clientNoContextTakeover: true });
    for (let i = 0; i < 3; i++) {
      await server.decompress(await client.compress(jsonText(3000, i), true), true);
      await server.compress(jsonText(3000, i), true);
    }
    expect(server.retainedBytes).toBe(0);
    expect(client.retainedBytes).toBe(0);
    server.close();
    client.close();
  });

  it('compressed fragments gathered for a small message are counted until it ends', async () => {
    const { server, client } = pair();
    const wire = await client.compress(jsonText(5000), true);
    expect((await server.decompress(wire.subarray(0, 100), false)).length).toBe(0);
    expect(server.retainedBytes).toBe(100);
    await server.decompress(wire.subarray(100), true);
    expect(server.retainedBytes).toBe(40 * 1024);
    server.close();
    client.close();
  });
});

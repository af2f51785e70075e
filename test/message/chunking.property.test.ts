import { Duplex } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Conn } from '../../src/message/conn.js';
import { Opcode } from '../../src/wire/index.js';
import { RawPeer, take } from './helpers.js';

/** A duplex whose readable side the test feeds by hand; writes are discarded. */
function feedable(): Duplex {
  return new Duplex({
    read() {},
    write(_chunk, _enc, cb) {
      cb();
    },
  });
}

/** A server Conn fed `wire` in reads of the given sizes, taken in turn. */
function fedInChops(wire: Buffer, chops: readonly number[]): Conn {
  const socket = feedable();
  const conn = new Conn(socket, { role: 'server' });
  for (let at = 0, k = 0; at < wire.length; k++) {
    const n = chops[k % chops.length];
    socket.push(Buffer.from(wire.subarray(at, at + n)));
    at += n;
  }
  return conn;
}

const message = fc.record({
  binary: fc.boolean(),
  text: fc.string({ unit: 'grapheme', maxLength: 300 }),
  bytes: fc.uint8Array({ maxLength: 300 }),
  fragments: fc.integer({ min: 1, max: 5 }),
  pingBetween: fc.boolean(),
});

/** About `n` bytes of valid UTF-8 mixing 1- to 4-byte characters, different for each `seed`. */
function textOf(n: number, seed: number): Buffer {
  const unit = `a${String.fromCodePoint(0xe9 + seed)}€😀`;
  return Buffer.from(unit.repeat(Math.ceil(n / Buffer.byteLength(unit))));
}

describe('any fragmentation and TCP chopping reads back the same messages', () => {
  it('property', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 10 }), async (msgs, chops) => {
        const frames: Buffer[] = [];
        const expected: { binary: boolean; data: Buffer }[] = [];
        for (const m of msgs) {
          const data = m.binary ? Buffer.from(m.bytes) : Buffer.from(m.text);
          expected.push({ binary: m.binary, data });
          const n = Math.min(m.fragments, Math.max(1, data.length));
          const size = Math.ceil(data.length / n);
          for (let i = 0; i < n; i++) {
            const op = i === 0 ? (m.binary ? Opcode.Binary : Opcode.Text) : Opcode.Continuation;
            frames.push(RawPeer.frame(op, data.subarray(i * size, (i + 1) * size), { fin: i === n - 1 }));
            if (m.pingBetween && i < n - 1) frames.push(RawPeer.frame(Opcode.Ping, 'p'));
          }
        }
        const wire = Buffer.concat(frames);
        const conn = fedInChops(wire, chops);
        const got = await take(conn, expected.length);
        expect(got.map((m) => ({ binary: m.binary, data: m.data }))).toEqual(expected);
        conn.terminate();
      }),
      { numRuns: 60 },
    );
  });

  it('property: large messages arrive intact from reads of any size', async () => {
    // A message spanning reads gets its buffer once 1/16 of it has arrived; before that its pieces are kept as
    // they came. Either way each piece is unmasked on the way in (in place, or while copied into the buffer),
    // and a text message is validated piece by piece, its multi-byte characters cut anywhere.
    const size = fc.constantFrom(65_536, 131_071, 131_072, 131_073, 300_000);
    const large = fc.record({ size, binary: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(large, { minLength: 1, maxLength: 3 }), fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 6 }), async (specs, chops) => {
        const expected = specs.map(({ size: n, binary }, i) => ({ binary, data: binary ? Buffer.alloc(n, i + 1).fill(0xa0 + i, n >> 1) : textOf(n, i) }));
        const wire = Buffer.concat(expected.map((m) => RawPeer.frame(m.binary ? Opcode.Binary : Opcode.Text, m.data)));
        const conn = fedInChops(wire, chops);
        const got = await take(conn, expected.length);
        expect(got.map((m, i) => m.binary === expected[i].binary && m.data.equals(expected[i].data))).toEqual(expected.map(() => true));
        conn.terminate();
      }),
      { numRuns: 25 },
    );
  });

  it('property: a corrupt text message fails with 1007 after every message before it was delivered', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 100 }), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 32 }),
        async (texts, which, where, chop) => {
          const bad = which % texts.length;
          const frames = texts.map((t, i) => {
            const data = Buffer.from(t);
            if (i === bad) data[where % data.length] = 0xff;
            return RawPeer.frame(Opcode.Text, data);
          });
          const wire = Buffer.concat(frames);
          const socket = feedable();
          // Nobody answers the close here: a short close timeout ends the connection.
          const conn = new Conn(socket, { role: 'server', closeTimeoutMs: 5 });
          const reading = take(conn, texts.length);
          for (let at = 0; at < wire.length; at += chop) socket.push(Buffer.from(wire.subarray(at, at + chop)));
          const got = await reading;
          expect(got.map((m) => m.text())).toEqual(texts.slice(0, bad));
          const info = await conn.closed;
          expect(info.code).toBe(1007);
        },
      ),
      { numRuns: 60 },
    );
  });
});

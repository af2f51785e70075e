import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameParser, MAX_HEADER_SIZE, ProtocolError, RSV1, TooBigError } from '../../src/wire/index.js';
import type { FrameParserOptions } from '../../src/wire/index.js';
import { buildFrame, chop } from '../helpers/frame-builder.js';
import type { FrameSpec } from '../helpers/frame-builder.js';
import { concat, splitAt } from './oracles.js';

/** What a parser reports, with the payload pieces of each frame joined. */
type Event =
  | { type: 'header'; fin: boolean; rsv: number; opcode: number; masked: boolean; length: number }
  | { type: 'payload'; hex: string }
  | { type: 'error'; code: string; closeCode: number };

/**
 * Push the chunks one by one, draining after each (or, with pushAll, push them
 * all first and drain once); check the DATA invariants on the way.
 */
function parse(chunks: readonly Uint8Array[], opts: FrameParserOptions, pushAll = false): Event[] {
  const p = new FrameParser(opts);
  const events: Event[] = [];
  let pieces: Uint8Array[] = [];
  const drain = (owner: Uint8Array | null): void => {
    for (let r = p.next(); r !== FrameParser.NEED_MORE; r = p.next()) {
      if (r === FrameParser.HEADER) {
        const h = p.header;
        events.push({
          type: 'header',
          fin: h.fin,
          rsv: (h.rsv1 ? 4 : 0) | (h.rsv2 ? 2 : 0) | (h.rsv3 ? 1 : 0),
          opcode: h.opcode,
          masked: h.masked,
          length: h.length,
        });
        pieces = [];
      } else {
        // Plain checks: expect() per piece would dominate the property tests' run time.
        if (r !== FrameParser.DATA || p.data.length === 0) throw new Error(`bad next() result ${r}, ${p.data.length} bytes`);
        if (owner !== null && p.data.buffer !== owner.buffer) throw new Error('DATA is not a view into the chunk just pushed');
        if (opts.deferUnmask && pieces.length % 2 === 1) {
          // Every other piece is copied out unmasked, the rest unmasked in place.
          const out = new Uint8Array(p.data.length + 3);
          p.copyData(out, 3);
          pieces.push(out.subarray(3));
        } else {
          p.unmask();
          pieces.push(p.data.slice());
        }
        if (p.remaining === 0) events.push({ type: 'payload', hex: Buffer.from(concat(pieces)).toString('hex') });
      }
    }
  };
  try {
    for (const chunk of chunks) {
      p.push(chunk);
      if (!pushAll) drain(chunk);
    }
    if (pushAll) {
      expect(p.buffered()).toBe(chunks.reduce((n, c) => n + c.length, 0));
      drain(null);
    }
    expect(p.buffered()).toBeLessThan(MAX_HEADER_SIZE);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    events.push({ type: 'error', code: err.code, closeCode: err.closeCode });
  }
  return events;
}

/** Fresh copies, because the parser unmasks in place. */
const copies = (chunks: readonly Uint8Array[]): Uint8Array[] => chunks.map((c) => c.slice());

const server: FrameParserOptions = { role: 'server' };
const client: FrameParserOptions = { role: 'client' };

function header(opcode: number, length: number, extra: Partial<Extract<Event, { type: 'header' }>> = {}): Event {
  return { type: 'header', fin: true, rsv: 0, opcode, masked: true, length, ...extra };
}
const payload = (data: string | Uint8Array): Event => ({ type: 'payload', hex: Buffer.from(data).toString('hex') });
const error = (code: string, closeCode = 1002): Event => ({ type: 'error', code, closeCode });

describe('FrameParser', () => {
  it('parses a masked text frame and unmasks it in place', () => {
    const bytes = buildFrame({ opcode: 1, payload: 'Hello', mask: Uint8Array.of(0x37, 0xfa, 0x21, 0x3d) });
    expect(bytes.toString('hex')).toBe('818537fa213d7f9f4d5158'); // RFC 6455 §5.7
    const p = new FrameParser(server);
    p.push(bytes);
    expect(p.next()).toBe(FrameParser.HEADER);
    expect(p.header).toMatchObject({ fin: true, opcode: 1, masked: true, length: 5 });
    expect(p.next()).toBe(FrameParser.DATA);
    expect(Buffer.from(p.data).toString()).toBe('Hello');
    expect(p.remaining).toBe(0);
    expect(p.data.buffer).toBe(bytes.buffer);
    expect(bytes.subarray(6).toString()).toBe('Hello');
    expect(p.next()).toBe(FrameParser.NEED_MORE);
    expect(p.buffered()).toBe(0);
  });

  it('with deferUnmask, leaves a piece masked until unmask() or copyData() is asked for', () => {
    const frame = buildFrame({ opcode: 0x2, payload: 'masked until asked', mask: Uint8Array.of(1, 2, 3, 4) });
    const p = new FrameParser({ role: 'server', deferUnmask: true });
    p.push(frame.slice());
    expect(p.next()).toBe(FrameParser.HEADER);
    expect(p.next()).toBe(FrameParser.DATA);
    expect(p.masked).toBe(true);
    const still = Buffer.from(p.data);
    expect(still.toString()).not.toBe('masked until asked');
    const out = Buffer.alloc(20, 0xee);
    p.copyData(out, 1);
    expect(out.subarray(1, 19).toString()).toBe('masked until asked');
    expect([out[0], out[19]]).toEqual([0xee, 0xee]);
    expect(Buffer.from(p.data)).toEqual(still);
    p.unmask();
    expect(p.masked).toBe(false);
    expect(Buffer.from(p.data).toString()).toBe('masked until asked');
    p.unmask();
    expect(Buffer.from(p.data).toString()).toBe('masked until asked');
    expect(p.next()).toBe(FrameParser.NEED_MORE);
    expect(p.masked).toBe(false);
  });

  it('parses the RFC 6455 §5.7 examples on the client side', () => {
    const hex = '810548656c6c6f' + '010348656c' + '80026c6f' + '890548656c6c6f' + '8a0548656c6c6f' + '827e0100' + '00'.repeat(256);
    expect(parse([Buffer.from(hex, 'hex')], client)).toEqual([
      header(1, 5, { masked: false }),
      payload('Hello'),
      header(1, 3, { masked: false, fin: false }),
      payload('Hel'),
      header(0, 2, { masked: false }),
      payload('lo'),
      header(9, 5, { masked: false }),
      payload('Hello'),
      header(10, 5, { masked: false }),
      payload('Hello'),
      header(2, 256, { masked: false }),
      payload(new Uint8Array(256)),
    ]);
  });

  it('yields HEADER only for an empty frame', () => {
    const p = new FrameParser(server);
    p.push(buildFrame({ opcode: 9, mask: true }));
    expect(p.next()).toBe(FrameParser.HEADER);
    expect(p.header.length).toBe(0);
    expect(p.next()).toBe(FrameParser.NEED_MORE);
  });

  it('returns payload pieces as views into each chunk, fed one byte at a time', () => {
    const bytes = buildFrame({ opcode: 2, payload: Uint8Array.of(1, 2, 3, 4, 5, 6, 7), mask: true });
    const chunks = chop(bytes, 1);
    const p = new FrameParser(server);
    const seen: number[] = [];
    for (const c of chunks) {
      p.push(c);
      for (let r = p.next(); r !== FrameParser.NEED_MORE; r = p.next()) {
        if (r === FrameParser.DATA) {
          expect(p.data.buffer).toBe(c.buffer);
          expect(p.data.byteOffset).toBe(c.byteOffset);
          seen.push(p.data[0], p.remaining);
        }
      }
    }
    expect(seen).toEqual([1, 6, 2, 5, 3, 4, 4, 3, 5, 2, 6, 1, 7, 0]);
  });

  it('assembles a header split across chunks, and keeps track of buffered bytes', () => {
    const bytes = buildFrame({ opcode: 2, payload: new Uint8Array(70000).fill(9), mask: true });
    const p = new FrameParser(server);
    p.push(bytes.subarray(0, 3));
    expect(p.next()).toBe(FrameParser.NEED_MORE);
    p.push(bytes.subarray(3, 9));
    expect(p.next()).toBe(FrameParser.NEED_MORE);
    expect(p.buffered()).toBe(9);
    p.push(bytes.subarray(9, 20));
    expect(p.next()).toBe(FrameParser.HEADER);
    expect(p.header.length).toBe(70000);
    expect(p.buffered()).toBe(6);
    expect(p.next()).toBe(FrameParser.DATA);
    expect(p.data.length).toBe(6);
    expect(p.remaining).toBe(69994);
    p.push(bytes.subarray(20));
    expect(p.next()).toBe(FrameParser.DATA);
    expect(p.remaining).toBe(0);
    expect(p.data.every((b) => b === 9)).toBe(true);
  });

  it('detach() copies a pending partial header, so the caller may reuse its chunk', () => {
    const bytes = buildFrame({ opcode: 2, payload: new Uint8Array(300).fill(4), mask: true });
    const reused = new Uint8Array(64);
    reused.set(bytes.subarray(0, 5));
    const p = new FrameParser(server);
    p.push(reused.subarray(0, 5));
    expect(p.next()).toBe(FrameParser.NEED_MORE);
    p.detach();
    reused.fill(0xff);
    expect(p.buffered()).toBe(5);
    p.push(bytes.subarray(5));
    expect(p.next()).toBe(FrameParser.HEADER);
    expect(p.header).toMatchObject({ opcode: 2, length: 300, masked: true });
    expect([...p.header.mask]).toEqual([...bytes.subarray(4, 8)]);
    expect(p.next()).toBe(FrameParser.DATA);
    expect(p.data.every((b) => b === 4)).toBe(true);
    expect(p.remaining).toBe(0);
  });

  it('detach() keeps undelivered payload and queued chunks in order', () => {
    const a = buildFrame({ opcode: 1, payload: 'abcdef', mask: true });
    const b = buildFrame({ opcode: 2, payload: 'xyz', mask: true });
    const chunks = [a.subarray(0, 9), a.subarray(9), b];
    const p = new FrameParser(server);
    for (const c of chunks) p.push(c);
    expect(p.next()).toBe(FrameParser.HEADER);
    p.detach();
    for (const c of chunks) c.fill(0);
    const got: string[] = [];
    for (let r = p.next(); r !== FrameParser.NEED_MORE; r = p.next()) got.push(r === FrameParser.DATA ? Buffer.from(p.data).toString() : `h${p.header.opcode}`);
    expect(got.join(',')).toBe('abcdef,h2,xyz');
  });

  it('tracks fragmented messages with control frames in between (§5.4)', () => {
    const frames: FrameSpec[] = [
      { opcode: 1, payload: 'fra', fin: false },
      { opcode: 9, payload: 'p' },
      { opcode: 0, payload: 'gm', fin: false },
      { opcode: 10 },
      { opcode: 0, payload: 'ent' },
    ];
    const p = new FrameParser(server);
    const states: boolean[] = [];
    for (const f of frames) {
      p.push(buildFrame({ ...f, mask: true }));
      while (p.next() !== FrameParser.NEED_MORE);
      states.push(p.inMessage);
    }
    expect(states).toEqual([true, true, true, true, false]);
  });

  describe('rejects what §5 forbids', () => {
    const cases: [string, FrameSpec[], FrameParserOptions, Event][] = [
      ['an unmasked client frame', [{ opcode: 1, payload: 'x', mask: false }], server, error('ERR_UNMASKED')],
      ['a masked server frame', [{ opcode: 1, payload: 'x', mask: true }], client, error('ERR_MASKED')],
      ['a reserved data opcode', [{ opcode: 3, mask: true }], server, error('ERR_RESERVED_OPCODE')],
      ['a reserved control opcode', [{ opcode: 0xb, mask: true }], server, error('ERR_RESERVED_OPCODE')],
      ['RSV1 without an extension', [{ opcode: 1, rsv: 4, mask: true }], server, error('ERR_RSV')],
      ['RSV2 with deflate', [{ opcode: 1, rsv: 2, mask: true }], { role: 'server', rsv: RSV1 }, error('ERR_RSV')],
      ['a ping of 126 bytes', [{ opcode: 9, payload: new Uint8Array(126), mask: true }], server, error('ERR_CONTROL_TOO_LONG')],
      ['a fragmented ping', [{ opcode: 9, fin: false, mask: true }], server, error('ERR_CONTROL_FRAGMENTED')],
      ['a continuation with nothing to continue', [{ opcode: 0, mask: true }], server, error('ERR_UNEXPECTED_CONTINUATION')],
      [
        'a text frame inside a fragmented message',
        [{ opcode: 1, fin: false, mask: true }, { opcode: 1, mask: true }],
        server,
        error('ERR_EXPECTED_CONTINUATION'),
      ],
      ['a frame over maxFrameSize', [{ opcode: 2, payload: new Uint8Array(11), mask: true }], { role: 'server', maxFrameSize: 10 }, error('ERR_FRAME_TOO_BIG', 1009)],
    ];
    for (const [name, specs, opts, expected] of cases) {
      it(name, () => {
        const events = parse([Buffer.concat(specs.map(buildFrame))], opts);
        expect(events.at(-1)).toEqual(expected);
      });
    }

    it('a 64-bit length with the top bit set (1002) and one above 2^53-1 (1009)', () => {
      expect(parse([Uint8Array.of(0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4)], server)).toEqual([error('ERR_LENGTH')]);
      expect(parse([Uint8Array.of(0x82, 0xff, 0, 0x20, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4)], server)).toEqual([error('ERR_FRAME_TOO_BIG', 1009)]);
    });

    it('fails on the header of an oversized frame, before its payload arrives', () => {
      const p = new FrameParser({ role: 'server', maxFrameSize: 1000 });
      p.push(Uint8Array.of(0x82, 0xfe, 0x03, 0xe9, 1, 2, 3, 4));
      expect(() => p.next()).toThrow(TooBigError);
    });

    it('accepts RSV1 on the first frame of a message when an extension owns it', () => {
      const p = new FrameParser({ role: 'server' });
      p.rsv = RSV1;
      p.push(buildFrame({ opcode: 1, rsv: 4, payload: 'z', mask: true }));
      expect(p.next()).toBe(FrameParser.HEADER);
      expect(p.header.rsv1).toBe(true);
    });

    it('keeps failing with the same error once the stream is broken', () => {
      const p = new FrameParser(server);
      p.push(buildFrame({ opcode: 1, payload: 'x' }));
      let first: unknown;
      try {
        p.next();
      } catch (err) {
        first = err;
      }
      expect(first).toMatchObject({ code: 'ERR_UNMASKED' });
      p.push(buildFrame({ opcode: 1, payload: 'fine', mask: true }));
      expect(() => p.next()).toThrow(first as Error);
      let again: unknown;
      try {
        p.next();
      } catch (err) {
        again = err;
      }
      expect(again).toBe(first);
    });

    it('delivers what came before the violation (Autobahn 3.x)', () => {
      const bytes = Buffer.concat([
        buildFrame({ opcode: 1, payload: 'ok', mask: true }),
        buildFrame({ opcode: 1, payload: 'bad', rsv: 1, mask: true }),
      ]);
      expect(parse([bytes], server)).toEqual([header(1, 2), payload('ok'), error('ERR_RSV')]);
    });
  });
});

/** Frames that together form a valid stream for `masked`: messages in fragments, control frames between. */
function validStream(masked: boolean): fc.Arbitrary<FrameSpec[]> {
  const bytes = fc.oneof(
    { weight: 8, arbitrary: fc.uint8Array({ maxLength: 140 }) },
    { weight: 1, arbitrary: fc.constantFrom(125, 126, 127, 65535, 65536, 70000).map((n) => new Uint8Array(n).fill(n & 0xff)) },
  );
  const control = fc.record({
    opcode: fc.constantFrom(8, 9, 10),
    payload: fc.uint8Array({ maxLength: 125 }),
  });
  const key = fc.uint8Array({ minLength: 4, maxLength: 4 });
  const message = fc.record({
    opcode: fc.constantFrom(1, 2),
    key,
    rsv1: fc.boolean(),
    fragments: fc.array(fc.tuple(bytes, fc.option(control, { nil: undefined })), { minLength: 1, maxLength: 4 }),
  });
  return fc.array(message, { maxLength: 4 }).map((messages) =>
    messages.flatMap((m) =>
      m.fragments.flatMap(([data, ctl], i) => {
        const frame: FrameSpec = {
          opcode: i === 0 ? m.opcode : 0,
          payload: data,
          fin: i === m.fragments.length - 1,
          rsv: i === 0 && m.rsv1 ? 4 : 0,
          mask: masked && m.key,
        };
        return ctl ? [frame, { ...ctl, mask: masked && m.key }] : [frame];
      }),
    ),
  );
}

/** The events a correct parser reports for a valid stream. */
function expectedEvents(specs: readonly FrameSpec[]): Event[] {
  return specs.flatMap((s) => {
    const data = s.payload instanceof Uint8Array ? s.payload : Buffer.from(s.payload ?? '');
    const h = header(s.opcode, data.length, { fin: s.fin ?? true, rsv: s.rsv ?? 0, masked: s.mask !== false });
    return data.length === 0 ? [h] : [h, payload(data)];
  });
}

const cuts = fc.array(fc.nat({ max: 80000 }), { maxLength: 12 });

describe('FrameParser properties', () => {
  it('decodes any valid stream however it is split (server side, masked)', () => {
    fc.assert(
      fc.property(validStream(true), cuts, fc.nat({ max: 300 }), (specs, at, small) => {
        const bytes = concat(specs.map(buildFrame));
        const expected = expectedEvents(specs);
        const opts: FrameParserOptions = { role: 'server', rsv: RSV1 };
        expect(parse(copies(splitAt(bytes, [...at, small, small + 1])), opts)).toEqual(expected);
        expect(parse(copies(splitAt(bytes, at)), opts, true)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes the same with deferUnmask, each piece unmasked in place or copied out by the caller', () => {
    fc.assert(
      fc.property(validStream(true), cuts, (specs, at) => {
        const bytes = concat(specs.map(buildFrame));
        const opts: FrameParserOptions = { role: 'server', rsv: RSV1, deferUnmask: true };
        expect(parse(copies(splitAt(bytes, at)), opts)).toEqual(expectedEvents(specs));
      }),
      { numRuns: 1000 },
    );
  });

  it('decodes any valid stream however it is split (client side, unmasked)', () => {
    fc.assert(
      fc.property(validStream(false), cuts, (specs, at) => {
        const bytes = concat(specs.map(buildFrame));
        expect(parse(splitAt(bytes, at), { role: 'client', rsv: RSV1 })).toEqual(expectedEvents(specs));
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the same result, errors included, for arbitrary bytes split any way', () => {
    const noisy = fc
      .tuple(validStream(true), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.uint8Array({ maxLength: 30 }))
      .map(([specs, flips, tail]) => {
        const bytes = concat([...specs.map(buildFrame), tail]);
        for (const [at, b] of flips) if (bytes.length > 0) bytes[at % bytes.length] = b;
        return bytes;
      });
    fc.assert(
      fc.property(noisy, cuts, fc.constantFrom<FrameParserOptions>(server, client, { role: 'server', maxFrameSize: 100 }), (bytes, at, opts) => {
        const whole = parse([bytes.slice()], opts);
        expect(parse(copies(splitAt(bytes, at)), opts)).toEqual(whole);
        expect(parse(copies(splitAt(bytes, [...bytes.keys()].filter((i) => i < 300))), opts)).toEqual(whole);
        expect(parse(copies(splitAt(bytes, at)), opts, true)).toEqual(whole);
      }),
      { numRuns: 1000 },
    );
  });
});

/** Autobahn section 6: UTF-8 handling, including fail-fast on invalid text mid-message. */
import { buildFrame } from '../../helpers/frame-builder.js';
import type { RawPeer } from '../../helpers/raw-peer.js';
import type { ConformanceCase } from '../case-types.js';
import { cont, failWith, fragments, mark, message, normalClose, OP, sendCase, text } from './dsl.js';
import { UTF8_CATEGORIES } from './utf8-sequences.js';

const HELLO_UTF8 = 'Hello-µ@ßöäüàá-UTF-8!!';
const KOSME = Buffer.from('cebae1bdb9cf83cebcceb5', 'hex');
/** Invalid exactly at byte 12 (0xa0 after 0xed: a surrogate). */
const INVALID_SURROGATE = Buffer.from('cebae1bdb9cf83cebcceb5' + 'eda080' + '656469746564', 'hex');
/** 6.4.x: valid part, then U+110000 in the UTF-8 integer scheme (invalid at its second byte), then valid. */
const P1 = KOSME;
const P2 = Buffer.from('f4908080', 'hex');
const P3 = Buffer.from('656469746564', 'hex');
const WHOLE = Buffer.concat([P1, P2, P3]);

/**
 * How long the peer gets to fail after the invalid byte arrives (Autobahn waits 1 s); the peer
 * must close before we send the rest of the message.
 */
const FAIL_FAST_MS = 1000;
/** The first part is valid: the peer must stay open this long after it. */
const STAY_OPEN_MS = 100;

type Part = (peer: RawPeer) => Promise<void>;
/** One fixed key, so the three chops of 6.4.3/6.4.4 are pieces of the same masked frame. */
const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

/** Autobahn 6.4.x: send part 1, wait (mark A), send part 2, wait (mark B), send part 3. OK = only A. */
function failFast(id: string, description: string, parts: [Part, Part, Part]): ConformanceCase {
  return {
    id,
    description,
    async run(peer) {
      await parts[0](peer);
      if (await peer.waitCloseOrDrop(STAY_OPEN_MS)) return;
      peer.mark('A');
      await parts[1](peer);
      if (await peer.waitCloseOrDrop(FAIL_FAST_MS)) return;
      peer.mark('B');
      await parts[2](peer);
    },
    expect: [mark('A')],
    close: failWith(1007),
  };
}

/** Parts of one frame's bytes (header with the full length, then the payload in chops). */
function chopsOfOneFrame(cuts: [number, number]): [Part, Part, Part] {
  const piece = (peer: RawPeer, from: number, to?: number) => {
    const frame = buildFrame({ opcode: OP.text, payload: WHOLE, mask: peer.role === 'client' ? MASK : false });
    const header = frame.length - WHOLE.length;
    return peer.sendRaw(frame.subarray(header + from, to === undefined ? undefined : header + to));
  };
  return [(p) => piece(p, -Infinity, cuts[0]), (p) => piece(p, cuts[0], cuts[1]), (p) => piece(p, cuts[1])];
}

const sequenceCases: ConformanceCase[] = UTF8_CATEGORIES.flatMap((cat, i) =>
  cat.sequences.map((s, j) =>
    s.valid
      ? sendCase(`6.${i + 5}.${j + 1}`, `${cat.title}: 0x${s.bytes.toString('hex')} is valid`, [text(s.bytes)], [message(s.bytes)], normalClose)
      : sendCase(`6.${i + 5}.${j + 1}`, `${cat.title}: 0x${s.bytes.toString('hex')} is invalid`, [text(s.bytes)], [], failWith(1007)),
  ),
);

export const section6: ConformanceCase[] = [
  sendCase('6.1.1', 'empty text message', [text('')], [message('')], normalClose),
  sendCase('6.1.2', 'text message of 3 empty fragments', [text('', { fin: false }), cont('', { fin: false }), cont('')], [message('')], normalClose),
  sendCase(
    '6.1.3',
    'text message of 3 fragments, first and last empty',
    [text('', { fin: false }), cont('middle frame payload', { fin: false }), cont('')],
    [message('middle frame payload')],
    normalClose,
  ),
  sendCase('6.2.1', 'valid UTF-8 text in one fragment', [text(HELLO_UTF8)], [message(HELLO_UTF8)], normalClose),
  sendCase(
    '6.2.2',
    'valid UTF-8 text in 2 fragments split on a code point boundary',
    [text('Hello-µ@ßöä', { fin: false }), cont('üàá-UTF-8!!')],
    [message(HELLO_UTF8)],
    normalClose,
  ),
  sendCase('6.2.3', 'valid UTF-8 text in 1-byte fragments (split inside code points)', fragments(OP.text, HELLO_UTF8, 1), [message(HELLO_UTF8)], normalClose),
  sendCase('6.2.4', 'valid UTF-8 text κόσμε in 1-byte fragments', fragments(OP.text, KOSME, 1), [message(KOSME)], normalClose),
  sendCase('6.3.1', 'invalid UTF-8 text in one fragment: fail', [text(INVALID_SURROGATE)], [], failWith(1007)),
  sendCase('6.3.2', 'invalid UTF-8 text in 1-byte fragments: fail', fragments(OP.text, INVALID_SURROGATE, 1), [], failWith(1007)),
  failFast('6.4.1', 'fail fast: 3 frames, the 2nd makes the text invalid; close before the 3rd is sent', [
    (p) => p.send(text(P1, { fin: false })),
    (p) => p.send(cont(P2, { fin: false })),
    (p) => p.send(cont(P3)),
  ]),
  failFast('6.4.2', 'fail fast: as 6.4.1, the 2nd frame holds only the byte that makes the text invalid', [
    (p) => p.send(text(WHOLE.subarray(0, 12), { fin: false })),
    (p) => p.send(cont(WHOLE.subarray(12, 13), { fin: false })),
    (p) => p.send(cont(WHOLE.subarray(13))),
  ]),
  failFast('6.4.3', 'fail fast mid-frame: one frame in 3 chops, the 2nd chop makes the text invalid', chopsOfOneFrame([P1.length, P1.length + P2.length])),
  failFast('6.4.4', 'fail fast mid-frame: as 6.4.3, the 2nd chop is only the invalid byte', chopsOfOneFrame([12, 13])),
  ...sequenceCases,
];

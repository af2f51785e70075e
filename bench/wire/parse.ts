/*
 * Frame parsing: zwire's FrameParser against ws's Receiver on the frame set of
 * ws's own bench/parser.benchmark.js, masked as a client sends them. Both unmask
 * and validate text as UTF-8; ws also builds and emits its message/ping events,
 * zwire's loop does what its message layer needs from the wire layer per frame.
 */
import { randomBytes } from 'node:crypto';
import { createReadBuffer, FrameParser, Opcode, Utf8Validator } from '../../src/wire/index.js';
import type { Contender } from './measure.js';
import { createReceiver, senderFrame } from './ws-receiver.js';

/** One benchmark frame: what ws's benchmark calls it, and its bytes. */
export interface BenchFrame {
  name: string;
  bytes: Buffer;
}

/** ws's parser benchmark frames (bench/parser.benchmark.js), plus their sizes in the names. */
export function wsFrameSet(): BenchFrame[] {
  const frame = senderFrame();
  const masked = (opcode: number, length: number): Buffer =>
    Buffer.concat(frame(randomBytes(length), { opcode, fin: true, rsv1: false, mask: true, readOnly: false }));
  return [
    { name: 'ping 5 B', bytes: masked(0x09, 5) },
    { name: 'ping 0 B', bytes: Buffer.from('8980146e915a', 'hex') },
    { name: 'text 20 B', bytes: Buffer.from('819461616161' + '61'.repeat(20), 'hex') },
    { name: 'binary 125 B', bytes: masked(0x02, 125) },
    { name: 'binary 64 KiB-1', bytes: masked(0x02, 65535) },
    { name: 'binary 200 KiB', bytes: masked(0x02, 200 * 1024) },
    { name: 'binary 1 MiB', bytes: masked(0x02, 1024 * 1024) },
  ];
}

/**
 * zwire: push the frame, pull header and payload, validate text with the
 * incremental validator as the message layer does. Each run(n) parses n frames.
 */
function zwireContender(bytes: Buffer, name: string): Contender {
  const parser = new FrameParser({ role: 'server' });
  const utf8 = new Utf8Validator();
  return {
    name,
    run(n) {
      for (let i = 0; i < n; i++) {
        parser.push(bytes);
        for (let r = parser.next(); r !== FrameParser.NEED_MORE; r = parser.next()) {
          if (r !== FrameParser.DATA || parser.header.opcode !== Opcode.Text) continue;
          if (!utf8.write(parser.data) || (parser.remaining === 0 && !utf8.end())) {
            throw new Error('benchmark text frame is not UTF-8');
          }
        }
      }
    },
  };
}

function wsContender(bytes: Buffer, noBufferUtil: boolean): Contender {
  const receiver = createReceiver(noBufferUtil);
  return {
    name: noBufferUtil ? 'ws Receiver (JS mask)' : 'ws Receiver (bufferutil)',
    run(n) {
      for (let i = 0; i < n; i++) receiver.write(bytes);
    },
  };
}

/**
 * The contenders for one frame: zwire on a plain Buffer, zwire on the frame
 * lying in a createReadBuffer buffer (where a socket with `onread` reads it),
 * ws without and with bufferutil.
 */
export function parseContenders(frame: BenchFrame): Contender[] {
  const inReadBuffer = createReadBuffer(frame.bytes.length);
  frame.bytes.copy(inReadBuffer);
  return [
    zwireContender(frame.bytes, 'zwire'),
    zwireContender(inReadBuffer, 'zwire (read buffer)'),
    wsContender(frame.bytes, true),
    wsContender(frame.bytes, false),
  ];
}

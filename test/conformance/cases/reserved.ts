/** Autobahn sections 3 (reserved bits) and 4 (reserved opcodes). */
import type { ConformanceCase } from '../case-types.js';
import { binary, failWith, frame, message, OP, ping, sendCase, text } from './dsl.js';

const HELLO = 'Hello, world!';
const SMALL_BINARY = Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]);

export const section3: ConformanceCase[] = [
  sendCase('3.1', 'text message with RSV = 1: fail', [text(HELLO, { rsv: 1 })], [], failWith(1002)),
  // Strictness: the first message arrives in the same TCP chunk as the violation and must still be echoed.
  sendCase('3.2', 'text, text with RSV = 2, ping (one chop): echo the first, fail, no pong', [text(HELLO), text(HELLO, { rsv: 2 }), ping()], [message(HELLO)], failWith(1002)),
  sendCase('3.3', 'as 3.2 with RSV = 3, frame-wise chops', [text(HELLO), text(HELLO, { rsv: 3 }), ping()], [message(HELLO)], failWith(1002), { sync: true }),
  sendCase('3.4', 'as 3.2 with RSV = 4, octet-wise chops', [text(HELLO), text(HELLO, { rsv: 4 }), ping()], [message(HELLO)], failWith(1002), { chop: 1 }),
  sendCase('3.5', 'binary message with RSV = 5: fail', [binary(SMALL_BINARY, { rsv: 5 })], [], failWith(1002)),
  // Autobahn's 3.6 says "Ping with RSV = 6" but its source sends opcode 2; transcribed as the source does.
  sendCase('3.6', 'binary frame with RSV = 6: fail', [binary(HELLO, { rsv: 6 })], [], failWith(1002)),
  sendCase('3.7', 'close with RSV = 7: fail', [frame(OP.close, '', { rsv: 7 })], [], failWith(1002)),
];

function reservedOpcodeCases(prefix: string, opcodes: number[]): ConformanceCase[] {
  const [a, b, c, d, e] = opcodes;
  return [
    sendCase(`${prefix}.1`, `reserved opcode ${a}, empty: fail`, [frame(a)], [], failWith(1002)),
    sendCase(`${prefix}.2`, `reserved opcode ${b} with payload: fail`, [frame(b, 'reserved opcode payload')], [], failWith(1002)),
    sendCase(`${prefix}.3`, `text, reserved opcode ${c}, ping: echo the first, fail, no pong`, [text(HELLO), frame(c), ping()], [message(HELLO)], failWith(1002)),
    sendCase(`${prefix}.4`, `text, reserved opcode ${d} with payload, ping: echo, fail`, [text(HELLO), frame(d, HELLO), ping()], [message(HELLO)], failWith(1002)),
    sendCase(`${prefix}.5`, `text, reserved opcode ${e} with payload, ping: echo, fail`, [text(HELLO), frame(e, HELLO), ping()], [message(HELLO)], failWith(1002)),
  ];
}

export const section4: ConformanceCase[] = [...reservedOpcodeCases('4.1', [3, 4, 5, 6, 7]), ...reservedOpcodeCases('4.2', [11, 12, 13, 14, 15])];

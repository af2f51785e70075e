/** Autobahn sections 1 (text and binary framing) and 2 (pings and pongs). */
import { repeatTo } from '../../helpers/frame-builder.js';
import type { ConformanceCase } from '../case-types.js';
import { binary, failWith, message, normalClose, ping, pong, pongFrame, sendCase, text } from './dsl.js';

const SIZES = [0, 125, 126, 127, 128, 65535, 65536];

export const section1: ConformanceCase[] = [
  ...SIZES.map((n, i) => {
    const payload = repeatTo('*', n);
    return sendCase(`1.1.${i + 1}`, `text message of ${n} bytes`, [text(payload)], [message(payload)], normalClose);
  }),
  sendCase('1.1.8', 'text message of 65536 bytes in chops of 997', [text(repeatTo('*', 65536))], [message(repeatTo('*', 65536))], normalClose, {
    chop: 997,
  }),
  ...SIZES.map((n, i) => {
    const payload = repeatTo([0xfe], n);
    return sendCase(`1.2.${i + 1}`, `binary message of ${n} bytes`, [binary(payload)], [message(payload, true)], normalClose);
  }),
  sendCase(
    '1.2.8',
    'binary message of 65536 bytes in chops of 997',
    [binary(repeatTo([0xfe], 65536))],
    [message(repeatTo([0xfe], 65536), true)],
    normalClose,
    { chop: 997 },
  ),
];

const SMALL_BINARY = Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]);
const TEN_PINGS = Array.from({ length: 10 }, (_, i) => `payload-${i}`);

export const section2: ConformanceCase[] = [
  sendCase('2.1', 'ping without payload', [ping()], [pong()], normalClose),
  sendCase('2.2', 'ping with small text payload', [ping('Hello, world!')], [pong('Hello, world!')], normalClose),
  sendCase('2.3', 'ping with small binary payload', [ping(SMALL_BINARY)], [pong(SMALL_BINARY)], normalClose),
  sendCase('2.4', 'ping with 125-byte payload', [ping(repeatTo([0xfe], 125))], [pong(repeatTo([0xfe], 125))], normalClose),
  sendCase('2.5', 'ping with 126-byte payload: fail', [ping(repeatTo([0xfe], 126))], [], failWith(1002)),
  sendCase('2.6', 'ping with 125-byte payload in 1-byte chops', [ping(repeatTo([0xfe], 125))], [pong(repeatTo([0xfe], 125))], normalClose, {
    chop: 1,
  }),
  sendCase('2.7', 'unsolicited pong without payload: no answer', [pongFrame()], [], normalClose),
  sendCase('2.8', 'unsolicited pong with payload: no answer', [pongFrame('unsolicited pong payload')], [], normalClose),
  sendCase(
    '2.9',
    'unsolicited pong, then ping: only the ping is answered',
    [pongFrame('unsolicited pong payload'), ping('ping payload')],
    [pong('ping payload')],
    normalClose,
  ),
  sendCase('2.10', '10 pings with payload', TEN_PINGS.map((p) => ping(p)), TEN_PINGS.map((p) => pong(p)), normalClose),
  sendCase('2.11', '10 pings with payload in 1-byte chops', TEN_PINGS.map((p) => ping(p)), TEN_PINGS.map((p) => pong(p)), normalClose, {
    chop: 1,
  }),
];

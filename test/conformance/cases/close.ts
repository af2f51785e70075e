/** Autobahn section 7: close handling. */
import { closePayload, repeatTo } from '../../helpers/frame-builder.js';
import type { ConformanceCase, ExpectedClose } from '../case-types.js';
import { cont, frame, message, normalClose, OP, ping, sendCase, text } from './dsl.js';

const closeFrame = (code?: number, reason: string | Uint8Array = '') => frame(OP.close, closePayload(code, reason));
/** The tester sends the close itself and the peer must answer with one of these codes. */
const answeredWith = (...codes: number[]): ExpectedClose => ({ initiator: 'tester', codes });

const VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999];
const INVALID_UTF8_REASON = Buffer.from('cebae1bdb9cf83cebcceb5eda080656469746564', 'hex');

export const section7: ConformanceCase[] = [
  sendCase('7.1.1', 'text message, echo, then clean close', [text('Hello World!')], [message('Hello World!')], normalClose),
  sendCase('7.1.2', 'two close frames: the second is ignored', [closeFrame(1000), frame(OP.close)], [], normalClose),
  sendCase('7.1.3', 'ping after close: no pong', [closeFrame(1000), ping()], [], normalClose),
  sendCase('7.1.4', 'text after close: no echo', [closeFrame(1000), text('Hello World!')], [], normalClose),
  sendCase('7.1.5', 'fragment 1, close, fragment 2: no echo, clean close', [text('fragment1', { fin: false }), closeFrame(1000), cont('fragment2')], [], normalClose),
  {
    ...sendCase(
      '7.1.6',
      '256 KiB message, text, close, ping (informational: the messages before the close may or may not be answered)',
      [text(repeatTo('BAsd7&jh23', 256 * 1024)), text('Hello World!'), closeFrame(1000), ping()],
      [message(repeatTo('BAsd7&jh23', 256 * 1024)), message('Hello World!')],
      normalClose,
    ),
    informational: true,
  },
  sendCase('7.3.1', 'close with empty payload: clean close', [frame(OP.close)], [], { ...normalClose, allowEmpty: true }),
  sendCase('7.3.2', 'close with a 1-byte payload: protocol error', [frame(OP.close, Buffer.from([0x03]))], [], answeredWith(1002)),
  sendCase('7.3.3', 'close with code 1000 and no reason', [closeFrame(1000)], [], normalClose),
  sendCase('7.3.4', 'close with code 1000 and a reason', [closeFrame(1000, 'Hello World!')], [], normalClose),
  sendCase('7.3.5', 'close with code 1000 and a 123-byte reason (maximum)', [closeFrame(1000, '*'.repeat(123))], [], normalClose),
  sendCase('7.3.6', 'close with code 1000 and a 124-byte reason (payload 126): protocol error', [closeFrame(1000, '*'.repeat(124))], [], answeredWith(1002)),
  sendCase('7.5.1', 'close reason that is not valid UTF-8: fail', [closeFrame(1000, INVALID_UTF8_REASON)], [], answeredWith(1002, 1007)),
  ...VALID_CODES.map((code, i) => sendCase(`7.7.${i + 1}`, `close with valid code ${code}: echo it or answer 1000`, [closeFrame(code)], [], answeredWith(1000, code))),
  ...INVALID_CODES.map((code, i) => sendCase(`7.9.${i + 1}`, `close with invalid code ${code}: protocol error`, [closeFrame(code)], [], answeredWith(1002))),
  // Codes of 5000 and above are undefined by RFC 6455 (informational in Autobahn); answering 1000 or
  // 1002 is accepted, echoing them is not (they are not valid on the wire).
  sendCase('7.13.1', 'close with code 5000 (informational)', [closeFrame(5000)], [], answeredWith(1000, 1002)),
  sendCase('7.13.2', 'close with code 65535 (informational)', [closeFrame(65535)], [], answeredWith(1000, 1002)),
];

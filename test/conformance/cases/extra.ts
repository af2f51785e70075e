/**
 * Checks beyond the Autobahn case list, from RFC 6455 and the bad-input rules: masking
 * direction, 64-bit lengths, and the message/frame size limits (1009), each failing fast.
 */
import { buildFrame, closePayload, repeatTo } from '../../helpers/frame-builder.js';
import type { ConformanceCase } from '../case-types.js';
import type { Section } from './index.js';
import { cont, failWith, frame, message, normalClose, OP, sendCase, text } from './dsl.js';

/** A header announcing `length` payload bytes (64-bit form), with no payload following. */
function hugeHeader(length: number, mask: boolean): Buffer {
  const h = Buffer.alloc(mask ? 14 : 10);
  h[0] = 0x80 | OP.binary;
  h[1] = (mask ? 0x80 : 0) | 127;
  h.writeUInt32BE(Math.floor(length / 0x100000000), 2);
  h.writeUInt32BE(length >>> 0, 6);
  return h;
}

/** The peer must fail on the header alone; nothing more will come. */
function headerOnly(id: string, description: string, length: number, code: number): ConformanceCase {
  return {
    id,
    description,
    run: (peer) => peer.sendRaw(hugeHeader(length, peer.role === 'client')),
    expect: [],
    close: failWith(code),
  };
}

/** A close right behind a message in the same chunk takes effect after it (the message is answered first). */
export const CLOSE_AFTER_MESSAGE = sendCase(
  'x.9',
  'text and close in the same TCP chunk: the close takes effect after the message, which is echoed first',
  [text('Hello World!'), frame(OP.close, closePayload(1000))],
  [message('Hello World!')],
  normalClose,
);

const common: ConformanceCase[] = [
  CLOSE_AFTER_MESSAGE,
  headerOnly('x.3', '64-bit payload length with the most significant bit set: protocol error', 2 ** 63, 1002),
  headerOnly('x.4', 'frame header announcing 1 TiB (over the frame limit): 1009 at once, without waiting for the payload', 2 ** 40, 1009),
];

/** Cases for a server under test. */
export const EXTRA_SERVER: Section = {
  title: 'beyond Autobahn (server)',
  cases: [
    sendCase('x.1', 'unmasked frame from a client: protocol error', [text('Hello, world!', { mask: false })], [], failWith(1002)),
    ...common,
  ],
};

/** Cases for a client under test. */
export const EXTRA_CLIENT: Section = {
  title: 'beyond Autobahn (client)',
  cases: [
    sendCase('x.2', 'masked frame from a server: protocol error', [text('Hello, world!', { mask: true })], [], failWith(1002)),
    ...common,
  ],
};

/** The limit the LIMITED section expects the peer under test to be configured with. */
export const TEST_MAX_MESSAGE = 1000;

/** Cases for a peer configured with maxMessageSize = TEST_MAX_MESSAGE. */
export const LIMITED: Section = {
  title: `beyond Autobahn: maxMessageSize ${TEST_MAX_MESSAGE}`,
  cases: [
    sendCase('x.5', 'message of exactly the limit: echoed', [text(repeatTo('*', TEST_MAX_MESSAGE))], [message(repeatTo('*', TEST_MAX_MESSAGE))], normalClose),
    sendCase('x.6', 'one frame one byte over the limit: 1009', [text(repeatTo('*', TEST_MAX_MESSAGE + 1))], [], failWith(1009)),
    {
      id: 'x.7',
      description: 'fragments summing over the limit: 1009 before the message would end',
      async run(peer) {
        await peer.send([text(repeatTo('*', 600), { fin: false }), cont(repeatTo('*', 600), { fin: false })]);
        if (await peer.waitCloseOrDrop(1000)) return;
        peer.mark('still open after the limit was passed');
        await peer.send(cont('end'));
      },
      expect: [],
      close: failWith(1009),
    },
    {
      id: 'x.8',
      description: 'one frame announcing more than the limit, payload not yet sent: 1009 on the header',
      async run(peer) {
        const frame = buildFrame({ opcode: OP.binary, payload: repeatTo([1], 5000), mask: peer.role === 'client' });
        await peer.sendRaw(frame.subarray(0, 12));
        if (await peer.waitCloseOrDrop(1000)) return;
        peer.mark('still open after a header over the limit');
        await peer.sendRaw(frame.subarray(12));
      },
      expect: [],
      close: failWith(1009),
    },
  ],
};

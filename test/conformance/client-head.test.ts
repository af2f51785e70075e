/**
 * Frames that arrive in the same read as the 101 response (Autobahn 3.2, 4.1.3, 5.15 against
 * the client): a valid message and then a bad frame written together with the handshake
 * answer. The client must hand the message to its reader (whose echo goes out) before the
 * protocol error takes effect, as it does for frames that arrive later.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeServer } from '../helpers/fake-server.js';
import { buildFrame, OP } from '../helpers/frame-builder.js';
import { echo, openClient } from '../helpers/zwire-peers.js';

const WAIT_MS = 3000;

const BAD_FRAMES: [string, Buffer, number][] = [
  ['a frame with RSV2 set (3.2)', buildFrame({ opcode: OP.text, payload: 'bad', rsv: 2, mask: false }), 1002],
  ['a reserved opcode (4.1.3)', buildFrame({ opcode: 0x5, payload: 'x', mask: false }), 1002],
  ['a reserved control opcode (4.2.3)', buildFrame({ opcode: 0xb, payload: '', mask: false }), 1002],
  ['a masked frame from the server', buildFrame({ opcode: OP.text, payload: 'masked', mask: true }), 1002],
  ['a continuation with nothing to continue (5.15)', buildFrame({ opcode: OP.cont, payload: 'c', mask: false }), 1002],
  ['invalid UTF-8 in a text message', buildFrame({ opcode: OP.text, payload: Buffer.from([0xce, 0xba, 0xe1, 0xbd]), mask: false }), 1007],
];

describe('zwire client: frames in the same TCP write as the 101', () => {
  let fake: FakeServer | null = null;
  afterEach(async () => {
    await fake?.close();
    fake = null;
  });

  for (const [name, bad, code] of BAD_FRAMES) {
    it(`echoes the message before it, then fails on ${name} with ${code}`, async () => {
      const good = buildFrame({ opcode: OP.text, payload: 'Hello, world!', mask: false });
      fake = await FakeServer.start({ trailing: Buffer.concat([good, bad]) });
      const [conn, { peer }] = await Promise.all([openClient(fake.url), fake.accept()]);
      const done = echo(conn);
      expect(await peer.waitCloseOrDrop(WAIT_MS)).toBe(true);
      const messages = peer.events.filter((e) => e.type === 'message');
      expect(messages.map((m) => (m.type === 'message' ? m.data.toString() : ''))).toEqual(['Hello, world!']);
      expect(peer.closeFrame?.code).toBe(code);
      await done;
      const info = await conn.closed;
      expect(info.code).toBe(code);
      expect(info.error).toBeInstanceOf(Error);
    });
  }
});

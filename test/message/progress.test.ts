import { describe, expect, it } from 'vitest';
import { HeartbeatTimeoutError, MessageTimeoutError } from '../../src/message/errors.js';
import type { CloseInfo } from '../../src/message/conn-types.js';
import { Opcode } from '../../src/wire/index.js';
import { RawPeer, sleep, take, pairsClosedAfterEach } from './helpers.js';

// A peer that begins a frame or a message and trickles it must not hold the connection:
// messageTimeoutMs bounds how long what began may take, and only whole frames keep a heartbeat happy.

const { raw } = pairsClosedAfterEach();

/** Write `bytes` one byte every `everyMs` until the socket closes or `maxMs` passed. */
async function trickle(peer: RawPeer, bytes: Buffer, everyMs: number, maxMs: number): Promise<void> {
  const end = Date.now() + maxMs;
  for (let i = 0; i < bytes.length && !peer.ended && Date.now() < end; i++) {
    peer.write(bytes.subarray(i, i + 1));
    await sleep(everyMs);
  }
}

/** The connection's end, or null if it is still open after ms. */
function endWithin(closed: Promise<CloseInfo>, ms: number): Promise<CloseInfo | null> {
  return Promise.race([closed, sleep(ms).then(() => null)]);
}

describe('messageTimeoutMs', () => {
  it('a frame trickled one byte at a time is cut off with 1008', async () => {
    const { conn, peer } = await raw({ messageTimeoutMs: 300 });
    const frame = RawPeer.frame(Opcode.Text, 'x'.repeat(200));
    void trickle(peer, frame, 30, 4000);
    const info = await endWithin(conn.closed, 3000);
    expect(info?.code).toBe(1008);
    expect(info?.error).toBeInstanceOf(MessageTimeoutError);
    expect((info?.error as MessageTimeoutError).code).toBe('ERR_MESSAGE_TIMEOUT');
    expect(await peer.waitClose()).toBe(1008);
  });

  it('a message read whole whose fragments come one by one too slowly is cut off with 1008', async () => {
    const { conn, peer } = await raw({ messageTimeoutMs: 300 });
    const reading = take(conn, 1);
    void (async () => {
      peer.send(Opcode.Text, 'first', { fin: false });
      for (let i = 0; i < 40 && !peer.ended; i++) {
        await sleep(50);
        peer.send(Opcode.Continuation, 'more', { fin: false });
      }
    })();
    const info = await endWithin(conn.closed, 3000);
    expect(info?.code).toBe(1008);
    expect(await reading).toEqual([]);
  });

  it('messages that complete in time, and a long message read as a stream, are not cut off', async () => {
    const { conn, peer } = await raw({ messageTimeoutMs: 300 });
    const stream = conn.messages({ stream: true });
    peer.send(Opcode.Text, 'a', { fin: false });
    for (let i = 0; i < 12; i++) {
      await sleep(60);
      peer.send(Opcode.Continuation, 'b', { fin: false });
    }
    peer.send(Opcode.Continuation, 'c');
    const first = await stream.next();
    let text = '';
    for await (const chunk of first.value!) text += chunk.toString();
    expect(text).toBe('a' + 'b'.repeat(12) + 'c');
    for (let i = 0; i < 8; i++) {
      peer.send(Opcode.Text, `m${i}`);
      await sleep(60);
    }
    expect(conn.isOpen).toBe(true);
    await stream.return?.();
  });
});

describe('messageTimeoutMs while reading is paused', () => {
  it('does not count the time the socket is paused because nobody reads', async () => {
    const { conn, peer } = await raw({ messageTimeoutMs: 300, readHighWaterMark: 16 * 1024 });
    const first = RawPeer.frame(Opcode.Binary, Buffer.alloc(20 * 1024, 1));
    const second = RawPeer.frame(Opcode.Binary, Buffer.alloc(8 * 1024, 2));
    // The first message fills the read queue (the socket pauses), the second is cut in the middle.
    peer.write(Buffer.concat([first, second.subarray(0, 100)]));
    await sleep(900);
    expect(conn.isOpen).toBe(true);
    const reading = take(conn, 2);
    await sleep(20);
    peer.write(second.subarray(100));
    const got = await reading;
    expect(got.map((m) => [m.data.length, m.data[0]])).toEqual([
      [20 * 1024, 1],
      [8 * 1024, 2],
    ]);
    expect(conn.isOpen).toBe(true);
  });
});

describe('heartbeat and trickled bytes', () => {
  it('bytes of a frame that never completes are not life: the heartbeat drops the peer', async () => {
    const { conn, peer } = await raw({ heartbeatMs: 150, messageTimeoutMs: 0 });
    const frame = RawPeer.frame(Opcode.Binary, Buffer.alloc(500, 1));
    void trickle(peer, frame, 20, 4000);
    const info = await endWithin(conn.closed, 3000);
    expect(info).not.toBeNull();
    expect(info?.error).toBeInstanceOf(HeartbeatTimeoutError);
  });
});

import { describe, expect, it } from 'vitest';
import { Conn } from '../../src/message/conn.js';
import { ConnClosedError } from '../../src/message/errors.js';
import { RawPeer, socketPair, sleep, take, pairsClosedAfterEach } from './helpers.js';

const { pair, closeLater } = pairsClosedAfterEach();

/** Whether p settles within ms. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await sleep(ms);
  return settled;
}

describe('outbound backpressure', () => {
  it('send() resolves at once while the queue is short, waits for drain when it is full', async () => {
    const { a, b, close } = await socketPair();
    closeLater(close);
    const conn = new Conn(a, { role: 'server', maxQueuedBytes: 256 * 1024 });
    const peer = new RawPeer(b);
    peer.socket.pause();
    const chunk = Buffer.alloc(256 * 1024, 1);
    let blocked: Promise<void> | null = null;
    let sent = 0;
    for (let i = 0; i < 400 && blocked === null; i++) {
      const p = conn.send(chunk);
      sent++;
      if (!(await settlesWithin(p, 5))) blocked = p;
    }
    expect(blocked).not.toBeNull();
    expect(conn.bufferedAmount).toBeGreaterThan(256 * 1024);
    expect(sent).toBeLessThan(400);
    peer.socket.resume();
    await blocked;
    await peer.waitFrames(sent, 10_000);
    expect(peer.frames.every((f) => f.payload.length === chunk.length)).toBe(true);
  });

  it('a send waiting for drain rejects when the connection dies', async () => {
    const { a, b, close } = await socketPair();
    closeLater(close);
    const conn = new Conn(a, { role: 'server', maxQueuedBytes: 64 * 1024 });
    b.pause();
    const chunk = Buffer.alloc(512 * 1024);
    let blocked: Promise<void> | null = null;
    for (let i = 0; i < 400 && blocked === null; i++) {
      const p = conn.send(chunk);
      if (!(await settlesWithin(p, 5))) blocked = p;
    }
    expect(blocked).not.toBeNull();
    conn.terminate();
    await expect(blocked).rejects.toBeInstanceOf(ConnClosedError);
  });
});

describe('inbound backpressure', () => {
  it('pauses the socket while the consumer is not reading, resumes when it reads', async () => {
    const p = await pair({ readHighWaterMark: 64 * 1024 });
    const serverSocket = (p.server as unknown as { socket: import('node:net').Socket }).socket;
    const msg = Buffer.alloc(16 * 1024, 7);
    const count = 800;
    const sending = (async () => {
      for (let i = 0; i < count; i++) await p.client.send(msg);
    })();
    await sleep(200);
    expect(serverSocket.isPaused()).toBe(true);
    expect(p.client.bufferedAmount).toBeGreaterThan(0);
    const got = await take(p.server, count);
    await sending;
    expect(got).toHaveLength(count);
    expect(got.every((m) => m.data.length === msg.length)).toBe(true);
    expect(serverSocket.isPaused()).toBe(false);
  });
});

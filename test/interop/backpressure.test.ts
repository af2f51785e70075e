/**
 * Backpressure end to end with `ws` on the other side: a zwire server whose application stops
 * reading stops reading the socket (the ws sender's buffer fills up instead of zwire's memory),
 * and a zwire sender whose peer stops reading has its send() promises wait.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Conn } from '../../src/index.js';
import { opened, WsQueue } from '../helpers/ws-queue.js';
import { startServer, type EchoServer } from '../helpers/zwire-peers.js';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
const TOTAL = 32 * MiB;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('backpressure with ws', () => {
  let srv: EchoServer;
  let release: () => void = () => {};
  let received = 0;
  let sentByServer = 0;
  let inOrder = true;

  beforeAll(async () => {
    srv = await startServer(async (conn: Conn) => {
      const it = conn[Symbol.asyncIterator]();
      const first = await it.next();
      if (first.done) return;
      if (first.value.text() === 'slow reader') {
        await new Promise<void>((resolve) => (release = resolve));
        for (let m = await it.next(); !m.done; m = await it.next()) {
          if (m.value.data.readUInt32BE(0) !== received) inOrder = false;
          received++;
        }
      } else if (first.value.text() === 'fast writer') {
        for (let i = 0; i < TOTAL / CHUNK; i++) {
          const b = Buffer.alloc(CHUNK);
          b.writeUInt32BE(i, 0);
          await conn.send(b);
          sentByServer++;
        }
        await conn.close();
      }
    });
  });
  afterAll(() => srv.close());

  it('a zwire application that stops reading stops the socket reads: the ws sender buffers', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/`, { perMessageDeflate: false });
    const q = new WsQueue(ws);
    await opened(ws);
    ws.send('slow reader');
    for (let i = 0; i < TOTAL / CHUNK; i++) {
      const b = Buffer.alloc(CHUNK);
      b.writeUInt32BE(i, 0);
      ws.send(b);
    }
    await sleep(500);
    // zwire holds at most readHighWaterMark (1 MiB) plus the kernel's socket buffers.
    expect(ws.bufferedAmount, 'bytes still queued in the ws sender').toBeGreaterThan(8 * MiB);
    release();
    for (let i = 0; i < 200 && received < TOTAL / CHUNK; i++) await sleep(25);
    expect([received, inOrder]).toEqual([TOTAL / CHUNK, true]);
    ws.close();
    await q.closed;
  });

  it('zwire send() waits while the ws reader is paused, then everything arrives in order', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/`, { perMessageDeflate: false });
    const q = new WsQueue(ws);
    await opened(ws);
    const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    socket.pause();
    ws.send('fast writer');
    await sleep(500);
    // maxQueuedBytes (4 MiB) plus the kernel's socket buffers, not the whole 32 MiB.
    expect(sentByServer * CHUNK, 'bytes whose send() resolved while the peer was not reading').toBeLessThan(16 * MiB);
    socket.resume();
    for (let i = 0; i < TOTAL / CHUNK; i++) {
      const m = await q.next();
      if (m.data.readUInt32BE(0) !== i) expect(m.data.readUInt32BE(0)).toBe(i);
    }
    expect(await q.closed).toMatchObject({ code: 1000 });
  });
});

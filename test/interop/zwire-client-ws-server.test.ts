/** Interop: the zwire client (connect + Conn) with the `ws` package's server. */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Conn, Message } from '../../src/index.js';
import { openClient } from '../helpers/zwire-peers.js';
import { bytesOf, inBatches, sampledCloseCodes, SIZES, textOf, validCloseCodes } from './payloads.js';

/** The ws server's side of each connection, found by the first message our client sends. */
interface ServerSide {
  ws: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
}

describe('zwire client -> ws server', () => {
  let wss: WebSocketServer;
  let url: string;
  const sides = new Map<string, ServerSide>();

  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    await new Promise((resolve) => wss.once('listening', resolve));
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
    wss.on('connection', (ws) => {
      ws.on('error', () => {});
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
      );
      let named = false;
      ws.on('message', (data, isBinary) => {
        if (!named) {
          named = true;
          sides.set((data as Buffer).toString(), { ws, closed });
          return;
        }
        ws.send(data as Buffer, { binary: isBinary });
      });
    });
  });
  afterAll(() => new Promise<void>((resolve) => wss.close(() => resolve())));

  /** Connects and names the connection so the test can reach the ws side of it. */
  async function open(name: string): Promise<{ conn: Conn; side: () => Promise<ServerSide>; next: () => Promise<Message> }> {
    const conn = await openClient(url);
    await conn.send(name);
    const iter = conn[Symbol.asyncIterator]();
    const next = async (): Promise<Message> => {
      const r = await iter.next();
      if (r.done) throw new Error('connection ended while waiting for a message');
      return r.value;
    };
    const side = async (): Promise<ServerSide> => {
      for (let i = 0; i < 200 && !sides.has(name); i++) await new Promise((resolve) => setTimeout(resolve, 5));
      const s = sides.get(name);
      if (!s) throw new Error(`ws server never saw connection ${name}`);
      return s;
    };
    return { conn, side, next };
  }

  it('sends and receives text of 0 B to 16 MiB', async () => {
    const { conn, next } = await open('text');
    for (const n of SIZES) {
      const t = textOf(n);
      await conn.send(t);
      const m = await next();
      expect(m.binary, `${n} B text`).toBe(false);
      expect(m.data.length).toBe(n);
      expect(m.text() === t, `${n} B text content`).toBe(true);
    }
    expect(await conn.close(1000)).toMatchObject({ code: 1000, wasClean: true });
  });

  it('sends and receives binary of 0 B to 16 MiB', async () => {
    const { conn, next } = await open('binary');
    for (const n of SIZES) {
      const b = bytesOf(n);
      await conn.send(b);
      const m = await next();
      expect(m.binary, `${n} B binary`).toBe(true);
      expect(m.data.equals(b), `${n} B binary content`).toBe(true);
    }
    expect(await conn.close(1000)).toMatchObject({ code: 1000, wasClean: true });
  });

  it('sends a fragmented message ws reassembles and reassembles one from ws', async () => {
    const { conn, side, next } = await open('fragments');
    const w = conn.writer({ binary: false, fragmentSize: 0 });
    for (const part of [Buffer.from('a'), Buffer.from('€').subarray(0, 2), Buffer.concat([Buffer.from('€').subarray(2), Buffer.from('b')]), Buffer.alloc(0)]) {
      w.write(part);
    }
    await new Promise<void>((resolve, reject) => w.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const e = await next();
    expect([e.binary, e.text()]).toEqual([false, 'a€b']);
    const { ws } = await side();
    const parts = [bytesOf(1000), bytesOf(1), Buffer.alloc(0), bytesOf(70000)];
    parts.forEach((p, i) => ws.send(p, { binary: true, fin: i === parts.length - 1 }));
    const b = await next();
    expect(b.binary).toBe(true);
    expect(b.data.equals(Buffer.concat(parts))).toBe(true);
    await conn.close();
  });

  it('pings ws and answers its pings with the same payload', async () => {
    const { conn, side } = await open('ping');
    for (const payload of [Buffer.alloc(0), Buffer.from('x'), bytesOf(125)]) {
      expect(await conn.ping(payload)).toBeGreaterThanOrEqual(0);
    }
    const { ws } = await side();
    for (const payload of [Buffer.alloc(0), Buffer.from('hello-ping'), bytesOf(125)]) {
      const pong = new Promise<Buffer>((resolve) => ws.once('pong', resolve));
      ws.ping(payload);
      expect((await pong).equals(payload)).toBe(true);
    }
    await conn.close();
  });

  it('every valid close code (1000-1003, 1007-1014, 3000-4999) sent by the client reaches ws with its reason and comes back', async () => {
    await inBatches(validCloseCodes(), 8, async (code) => {
      const { conn, side } = await open(`client-close-${code}`);
      const { closed } = await side();
      const info = await conn.close(code, `r${code}`);
      expect(await closed).toEqual({ code, reason: `r${code}` });
      expect([info.code, info.wasClean, info.error]).toEqual([code, true, undefined]);
    });
  });

  it('valid close codes sent by ws reach the client application (3000-4999 sampled)', async () => {
    await inBatches(sampledCloseCodes(), 8, async (code) => {
      const { conn, side } = await open(`server-close-${code}`);
      const { ws } = await side();
      ws.close(code, `why-${code}`);
      const info = await conn.closed;
      expect([info.code, info.reason, info.wasClean, info.error]).toEqual([code, `why-${code}`, true, undefined]);
    });
  });

  it('sends 10,000 small messages pipelined and reads the echoes in order', async () => {
    const { conn, next } = await open('pipelined');
    const N = 10_000;
    const sent: Promise<void>[] = [];
    for (let i = 0; i < N; i++) sent.push(i % 2 === 0 ? conn.send(`message ${i}`) : conn.send(Buffer.from(`binary ${i}`)));
    for (let i = 0; i < N; i++) {
      const m = await next();
      const want = i % 2 === 0 ? `message ${i}` : `binary ${i}`;
      if (m.text() !== want || m.binary !== (i % 2 === 1)) {
        expect({ i, got: m.text(), binary: m.binary }).toEqual({ i, got: want, binary: i % 2 === 1 });
      }
    }
    await Promise.all(sent);
    await conn.close();
  });
});

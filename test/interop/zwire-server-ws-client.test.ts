/** Interop: the zwire server (listen + Conn) with the `ws` package's client. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { opened, WsQueue } from '../helpers/ws-queue.js';
import { scripted, startServer, type EchoServer } from '../helpers/zwire-peers.js';
import { bytesOf, inBatches, sampledCloseCodes, SIZES, textOf, validCloseCodes } from './payloads.js';

describe('zwire server <- ws client', () => {
  let srv: EchoServer;
  beforeAll(async () => {
    srv = await startServer(scripted);
  });
  afterAll(() => srv.close());

  async function client(command: string): Promise<{ ws: WebSocket; q: WsQueue }> {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/`, { perMessageDeflate: false });
    const q = new WsQueue(ws);
    await opened(ws);
    ws.send(command);
    return { ws, q };
  }

  it('echoes text of 0 B to 16 MiB', async () => {
    const { ws, q } = await client('echo');
    for (const n of SIZES) {
      const t = textOf(n);
      ws.send(t);
      const m = await q.next();
      expect(m.binary, `${n} B text`).toBe(false);
      expect(m.data.length).toBe(n);
      expect(m.data.toString() === t, `${n} B text content`).toBe(true);
    }
    ws.close(1000);
    expect(await q.closed).toEqual({ code: 1000, reason: '' });
  });

  it('echoes binary of 0 B to 16 MiB', async () => {
    const { ws, q } = await client('echo');
    for (const n of SIZES) {
      const b = bytesOf(n);
      ws.send(b, { binary: true });
      const m = await q.next();
      expect(m.binary, `${n} B binary`).toBe(true);
      expect(m.data.equals(b), `${n} B binary content`).toBe(true);
    }
    ws.close(1000);
    await q.closed;
  });

  it('reassembles a fragmented message from ws and sends one that ws reassembles', async () => {
    const { ws, q } = await client('fragments');
    const m = await q.next();
    expect([m.binary, m.data.toString()]).toEqual([false, 'fragmented €']);
    ws.send(Buffer.from('a€'.slice(0, 1)), { binary: false, fin: false });
    ws.send(Buffer.from('€').subarray(0, 2), { binary: false, fin: false });
    ws.send(Buffer.concat([Buffer.from('€').subarray(2), Buffer.from('b')]), { binary: false, fin: true });
    const e = await q.next();
    expect([e.binary, e.data.toString()]).toEqual([false, 'a€b']);
    const parts = [bytesOf(1000), bytesOf(1), Buffer.alloc(0), bytesOf(70000)];
    parts.forEach((p, i) => ws.send(p, { binary: true, fin: i === parts.length - 1 }));
    const b = await q.next();
    expect(b.binary).toBe(true);
    expect(b.data.equals(Buffer.concat(parts))).toBe(true);
    ws.close(1000);
    await q.closed;
  });

  it('answers ws pings with the same payload and its pings are answered by ws', async () => {
    const { ws, q } = await client('ping hello-ping');
    const seenPing = new Promise<Buffer>((resolve) => ws.once('ping', resolve));
    expect((await seenPing).toString()).toBe('hello-ping');
    expect((await q.next()).data.toString()).toBe('pong after a round trip');
    for (const payload of [Buffer.alloc(0), Buffer.from('x'), bytesOf(125)]) {
      const pong = new Promise<Buffer>((resolve) => ws.once('pong', resolve));
      ws.ping(payload);
      expect((await pong).equals(payload)).toBe(true);
    }
    ws.send('still open');
    expect((await q.next()).data.toString()).toBe('still open');
    ws.close(1000);
    await q.closed;
  });

  it('every valid close code (1000-1003, 1007-1014, 3000-4999) from ws reaches the application and is echoed', async () => {
    const before = srv.closes.length;
    await inBatches(validCloseCodes(), 8, async (code) => {
      const { ws, q } = await client('echo');
      ws.send('x');
      await q.next();
      ws.close(code, `r${code}`);
      const got = await q.closed;
      expect(got.code, `echo of ${code}`).toBe(code);
    });
    const infos = await Promise.all(srv.closes.slice(before));
    const byCode = new Map(infos.map((i) => [i.code, i]));
    for (const code of validCloseCodes()) {
      const info = byCode.get(code);
      expect(info, `server saw close ${code}`).toBeDefined();
      expect([info!.reason, info!.wasClean, info!.error]).toEqual([`r${code}`, true, undefined]);
    }
  });

  it('valid close codes sent by the server reach ws with their reason (3000-4999 sampled)', async () => {
    await inBatches(sampledCloseCodes(), 8, async (code) => {
      const { q } = await client(`close ${code} why-${code}`);
      expect(await q.closed).toEqual({ code, reason: `why-${code}` });
    });
  });

  it('echoes 10,000 small messages pipelined, in order', async () => {
    const { ws, q } = await client('echo');
    const N = 10_000;
    for (let i = 0; i < N; i++) {
      if (i % 2 === 0) ws.send(`message ${i}`);
      else ws.send(Buffer.from(`binary ${i}`), { binary: true });
    }
    for (let i = 0; i < N; i++) {
      const m = await q.next();
      const want = i % 2 === 0 ? `message ${i}` : `binary ${i}`;
      if (m.data.toString() !== want || m.binary !== (i % 2 === 1)) {
        expect({ i, got: m.data.toString(), binary: m.binary }).toEqual({ i, got: want, binary: i % 2 === 1 });
      }
    }
    ws.close(1000);
    await q.closed;
  });
});

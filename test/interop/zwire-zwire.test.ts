/** zwire client with zwire server, end to end over TCP: the same matrix as the ws interop tests. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conn, Message } from '../../src/index.js';
import { openClient, scripted, startServer, type EchoServer } from '../helpers/zwire-peers.js';
import { bytesOf, inBatches, sampledCloseCodes, SIZES, textOf } from './payloads.js';

describe('zwire client <-> zwire server', () => {
  let srv: EchoServer;
  beforeAll(async () => {
    srv = await startServer(scripted);
  });
  afterAll(() => srv.close());

  async function open(command: string): Promise<{ conn: Conn; next: () => Promise<Message> }> {
    const conn = await openClient(`ws://127.0.0.1:${srv.port}/`);
    await conn.send(command);
    const iter = conn[Symbol.asyncIterator]();
    const next = async (): Promise<Message> => {
      const r = await iter.next();
      if (r.done) throw new Error('connection ended while waiting for a message');
      return r.value;
    };
    return { conn, next };
  }

  it('echoes text and binary of 0 B to 16 MiB', async () => {
    const { conn, next } = await open('echo');
    for (const n of SIZES) {
      const t = textOf(n);
      await conn.send(t);
      const m = await next();
      expect([m.binary, m.data.length, m.text() === t], `${n} B text`).toEqual([false, n, true]);
      const b = bytesOf(n);
      await conn.send(b);
      const e = await next();
      expect([e.binary, e.data.equals(b)], `${n} B binary`).toEqual([true, true]);
    }
    expect(await conn.close()).toMatchObject({ code: 1000, wasClean: true });
  });

  it('fragmented messages both ways', async () => {
    const { conn, next } = await open('fragments');
    expect((await next()).text()).toBe('fragmented €');
    const w = conn.writer({ binary: false, fragmentSize: 0 });
    for (const part of [Buffer.from('a'), Buffer.from('€').subarray(0, 2), Buffer.concat([Buffer.from('€').subarray(2), Buffer.from('b')])]) w.write(part);
    await new Promise<void>((resolve, reject) => w.end((err?: Error | null) => (err ? reject(err) : resolve())));
    expect((await next()).text()).toBe('a€b');
    await conn.close();
  });

  it('pings both ways', async () => {
    const { conn, next } = await open('ping from-server');
    expect((await next()).text()).toBe('pong after a round trip');
    for (const payload of [Buffer.alloc(0), bytesOf(125)]) expect(await conn.ping(payload)).toBeGreaterThanOrEqual(0);
    await conn.close();
  });

  it('close codes both ways reach the other application with their reason (3000-4999 sampled)', async () => {
    const before = srv.closes.length;
    await inBatches(sampledCloseCodes(), 8, async (code) => {
      const { conn } = await open('echo');
      const info = await conn.close(code, `c${code}`);
      expect([info.code, info.wasClean]).toEqual([code, true]);
    });
    const seen = new Map((await Promise.all(srv.closes.slice(before))).map((i) => [i.code, i]));
    for (const code of sampledCloseCodes()) expect([seen.get(code)?.reason, seen.get(code)?.wasClean], `server saw ${code}`).toEqual([`c${code}`, true]);
    await inBatches(sampledCloseCodes(), 8, async (code) => {
      const { conn } = await open(`close ${code} s${code}`);
      const info = await conn.closed;
      expect([info.code, info.reason, info.wasClean]).toEqual([code, `s${code}`, true]);
    });
  });

  it('10,000 small messages pipelined come back in order', async () => {
    const { conn, next } = await open('echo');
    const sent: Promise<void>[] = [];
    for (let i = 0; i < 10_000; i++) sent.push(conn.send(i % 2 ? Buffer.from(`b${i}`) : `t${i}`));
    for (let i = 0; i < 10_000; i++) {
      const m = await next();
      const want = i % 2 ? `b${i}` : `t${i}`;
      if (m.text() !== want || m.binary !== (i % 2 === 1)) expect({ i, got: m.text(), binary: m.binary }).toEqual({ i, got: want, binary: i % 2 === 1 });
    }
    await Promise.all(sent);
    await conn.close();
  });
});

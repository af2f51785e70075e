/**
 * A read whose bytes were all copied out may become the buffer of a later
 * message that spans reads (src/message/read-reuse.ts). These pin that it
 * happens, that nothing a user holds is ever overwritten, and that no byte of
 * an earlier read shows through a message's ArrayBuffer.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { Conn } from '../../src/message/conn.js';
import type { Message } from '../../src/message/index.js';
import { buildFrame, OP } from '../helpers/frame-builder.js';
import { pairsClosedAfterEach, socketPair, take } from './helpers.js';

const { closeLater } = pairsClosedAfterEach();
const cert = readFileSync(new URL('../fixtures/localhost-cert.pem', import.meta.url));
const key = readFileSync(new URL('../fixtures/localhost-key.pem', import.meta.url));

interface Sent {
  binary: boolean;
  payload: Buffer;
  /** Where the payload lies in the bytes sent. */
  at: number;
}

/** `count` messages of `size(i)` random bytes (text: ASCII and 3-byte UTF-8), as masked frames in one buffer. */
function traffic(count: number, size: (i: number) => number): { sent: Sent[]; bytes: Buffer } {
  const sent: Sent[] = [];
  const frames: Buffer[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const n = size(i);
    const binary = i % 5 !== 4;
    const payload = binary ? randomBytes(n) : Buffer.from('€'.repeat(Math.floor(n / 6)) + 'x'.repeat(n - 3 * Math.floor(n / 6)));
    const frame = buildFrame({ opcode: binary ? OP.binary : OP.text, payload, mask: true });
    sent.push({ binary, payload, at: at + frame.length - n });
    frames.push(frame);
    at += frame.length;
  }
  return { sent, bytes: Buffer.concat(frames) };
}

/**
 * A server Conn on a loopback pair. The memory of every read of its socket is
 * noted (by wrapping emit: a second 'data' listener would rule reuse out), with
 * where each read ends in the bytes received.
 */
async function serverConn(reads: Set<ArrayBufferLike>, pair = socketPair): Promise<{ conn: Conn; server: net.Socket; client: net.Socket; ends: number[] }> {
  const { a, b, close } = await pair();
  closeLater(close);
  const ends: number[] = [];
  let total = 0;
  const emit = a.emit.bind(a);
  a.emit = (event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'data') {
      const chunk = args[0] as Buffer;
      reads.add(chunk.buffer);
      ends.push((total += chunk.length));
    }
    return emit(event, ...args);
  };
  return { conn: new Conn(a, { role: 'server' }), server: a, client: b, ends };
}

/** A TLS connection on 127.0.0.1: `a` the server's socket, `b` the client's. */
async function tlsPair(): Promise<{ a: tls.TLSSocket; b: tls.TLSSocket; close(): void }> {
  const server = tls.createServer({ cert, key });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<tls.TLSSocket>((r) => server.once('secureConnection', r));
  const b = tls.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, ca: cert, servername: 'localhost' });
  await new Promise<void>((r, j) => b.once('secureConnect', r).once('error', j));
  const a = await accepted;
  server.close();
  return {
    a,
    b,
    close() {
      a.destroy();
      b.destroy();
    },
  };
}

/** How many messages that span reads were gathered into an earlier read; each such one is checked for a zeroed tail. */
function countReused(got: Message[], sent: Sent[], ends: number[], reads: Set<ArrayBufferLike>): number {
  let reused = 0;
  sent.forEach((m, i) => {
    const d = got[i].data as Buffer;
    const spans = ends.some((end) => end > m.at && end < m.at + m.payload.length);
    // A message whole in one read is a view of it; one that spans reads has a buffer of its own or an earlier read's.
    if (!spans || !reads.has(d.buffer)) return;
    reused++;
    expect(d.byteOffset).toBe(0);
    expect(Buffer.from(d.buffer, d.length).every((x) => x === 0)).toBe(true);
  });
  return reused;
}

function expectSame(got: Message[], sent: Sent[]): void {
  expect(got.length).toBe(sent.length);
  for (let i = 0; i < sent.length; i++) {
    expect(got[i].binary).toBe(sent[i].binary);
    expect(Buffer.compare(got[i].data as Buffer, sent[i].payload)).toBe(0);
  }
}

describe('reads reused as message buffers', () => {
  it('messages that span reads are gathered into earlier reads (tail zeroed), and every message stays intact while later ones arrive', async () => {
    // Sizes around a socket read (64 KiB), mixed with small ones that are handed out as views of a read.
    const sizes = (i: number): number => (i % 7 === 3 ? 200 + i : 50_000 + ((i * 4_099) % 15_500));
    const reads = new Set<ArrayBufferLike>();
    const pairs = await Promise.all([serverConn(reads), serverConn(reads)]);
    const loads = pairs.map(() => traffic(120, sizes));
    pairs.forEach((p, k) => p.client.write(loads[k].bytes));
    const got = await Promise.all(pairs.map((p, k) => take<Message>(p.conn, loads[k].sent.length)));
    // Compared only once all arrived: a buffer handed out and then reused would show here.
    got.forEach((g, k) => expectSame(g, loads[k].sent));
    const reused = pairs.reduce((n, p, k) => n + countReused(got[k], loads[k].sent, p.ends, reads), 0);
    expect(reused).toBeGreaterThan(0);
  });

  it('so are messages that span the reads of a TLS socket (records of up to 16 KiB)', async () => {
    const reads = new Set<ArrayBufferLike>();
    const p = await serverConn(reads, tlsPair);
    const { sent, bytes } = traffic(150, (i) => 12_500 + ((i * 977) % 3_800));
    p.client.write(bytes);
    const got = await take<Message>(p.conn, sent.length);
    expectSame(got, sent);
    expect(countReused(got, sent, p.ends, reads)).toBeGreaterThan(0);
  });

  it('a read another listener also receives is never written to', async () => {
    const { conn, server, client } = await serverConn(new Set());
    const seen: { chunk: Buffer; copy: Buffer }[] = [];
    server.on('data', (chunk: Buffer) => seen.push({ chunk, copy: Buffer.from(chunk) }));
    const { sent, bytes } = traffic(60, (i) => 60_000 + i * 50);
    client.write(bytes);
    const got = await take<Message>(conn, sent.length);
    expectSame(got, sent);
    // Kept and reused, one of them would now hold a later message.
    expect(seen.length).toBeGreaterThan(1);
    for (const { chunk, copy } of seen) expect(Buffer.compare(chunk, copy)).toBe(0);
  });

  it('pieces of a message read as a stream are never reused, by another connection either', async () => {
    const streamed = await serverConn(new Set());
    const whole = await serverConn(new Set());
    const a = traffic(40, (i) => 60_000 + i * 300);
    const b = traffic(80, (i) => 50_000 + ((i * 4_099) % 15_500));
    streamed.client.write(a.bytes);
    whole.client.write(b.bytes);
    const reading = take<Message>(whole.conn, b.sent.length);
    const pieces: Buffer[][] = [];
    for await (const m of streamed.conn.messages({ stream: true })) {
      const parts: Buffer[] = [];
      for await (const piece of m) parts.push(piece as Buffer);
      pieces.push(parts);
      if (pieces.length === a.sent.length) break;
    }
    expectSame(await reading, b.sent);
    // Compared only once all arrived: a piece reused as the other connection's message would show.
    for (let i = 0; i < a.sent.length; i++) expect(Buffer.compare(Buffer.concat(pieces[i]), a.sent[i].payload)).toBe(0);
  });
});

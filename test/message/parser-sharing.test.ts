import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Conn } from '../../src/message/conn.js';
import type { ConnOptions } from '../../src/message/options.js';
import { Opcode } from '../../src/wire/index.js';

/** A masked client frame (all-zero key, so the payload reads as it is) of under 126 bytes. */
function frame(opcode: number, payload: string, fin = true): Buffer {
  const body = Buffer.from(payload);
  return Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | body.length, 0, 0, 0, 0]), body]);
}

/** A server Conn over an in-memory Duplex: `feed` delivers bytes as one socket read. */
function serverConn(opts: Partial<ConnOptions> = {}): { conn: Conn; feed(bytes: Buffer): Promise<void>; written: Buffer[] } {
  const written: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      written.push(chunk);
      cb();
    },
  });
  const conn = new Conn(socket, { ...opts, role: 'server', closeTimeoutMs: 50 });
  return {
    conn,
    written,
    async feed(bytes) {
      socket.push(bytes);
      await new Promise((r) => setImmediate(r));
    },
  };
}

// Connections hand one frame parser around between frames; these pin that no state leaks between them.
describe('frame parsers shared between connections', () => {
  it('a connection cut off inside a frame keeps its place while others parse whole frames', async () => {
    const a = serverConn();
    const b = serverConn();
    const whole = frame(Opcode.Text, 'from a, in two reads');
    await a.feed(whole.subarray(0, 9));
    await b.feed(Buffer.concat([frame(Opcode.Text, 'b1'), frame(Opcode.Binary, 'b2')]));
    await a.feed(whole.subarray(9));
    const [ma] = await takeMessages(a.conn, 1);
    const [b1, b2] = await takeMessages(b.conn, 2);
    expect(ma.text()).toBe('from a, in two reads');
    expect([b1.text(), b1.binary, b2.text(), b2.binary]).toEqual(['b1', false, 'b2', true]);
    a.conn.terminate();
    b.conn.terminate();
  });

  it('fragmentation state stays with its connection', async () => {
    const a = serverConn();
    const b = serverConn();
    await a.feed(frame(Opcode.Text, 'first ', false));
    // b has no message to continue: its continuation frame is a protocol error, whatever a is doing.
    await b.feed(frame(Opcode.Continuation, 'x'));
    await a.feed(frame(Opcode.Continuation, 'half'));
    const [ma] = await takeMessages(a.conn, 1);
    expect(ma.text()).toBe('first half');
    const info = await b.conn.closed;
    expect(info.code).toBe(1002);
    expect((info.error as { code?: string }).code).toBe('ERR_UNEXPECTED_CONTINUATION');
    a.conn.terminate();
  });

  it('each connection keeps its own frame size limit', async () => {
    const strict = serverConn({ maxFrameSize: 10 });
    const lax = serverConn();
    await lax.feed(frame(Opcode.Text, 'x'.repeat(100)));
    await strict.feed(frame(Opcode.Text, 'y'.repeat(11)));
    await lax.feed(frame(Opcode.Text, 'z'.repeat(100)));
    const got = await takeMessages(lax.conn, 2);
    expect(got.map((m) => m.data.length)).toEqual([100, 100]);
    const info = await strict.conn.closed;
    expect(info.code).toBe(1009);
    lax.conn.terminate();
  });
});

async function takeMessages(conn: Conn, n: number): Promise<{ text(): string; binary: boolean; data: Buffer }[]> {
  const out = [];
  const it = conn[Symbol.asyncIterator]();
  while (out.length < n) {
    const r = await it.next();
    if (r.done === true) break;
    out.push(r.value);
  }
  return out;
}

import * as net from 'node:net';
import { afterEach } from 'vitest';
import { Conn } from '../../src/message/conn.js';
import type { ConnOptions } from '../../src/message/options.js';
import { createHeader, FrameParser, headerSize, mask, maskKey, Opcode, writeHeader } from '../../src/wire/index.js';

/** How RawPeer builds a frame. */
export interface FrameOpts {
  fin?: boolean;
  rsv1?: boolean;
  mask?: boolean;
}

/** A connected pair of TCP sockets on 127.0.0.1. */
export async function socketPair(): Promise<{ a: net.Socket; b: net.Socket; close(): void }> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const b = net.connect(port, '127.0.0.1');
  await new Promise<void>((r, j) => b.once('connect', r).once('error', j));
  const a = await accepted;
  server.close();
  a.setNoDelay(true);
  b.setNoDelay(true);
  return {
    a,
    b,
    close() {
      a.destroy();
      b.destroy();
    },
  };
}

/** Two Conns talking to each other over loopback TCP: `server` and `client` roles. */
export async function connPair(
  serverOpts: Partial<ConnOptions> = {},
  clientOpts: Partial<ConnOptions> = {},
): Promise<{ server: Conn; client: Conn; close(): void }> {
  const { a, b, close } = await socketPair();
  const server = new Conn(a, { ...serverOpts, role: 'server' });
  const client = new Conn(b, { ...clientOpts, role: 'client' });
  return { server, client, close };
}

/** A received frame, as a raw peer sees it. */
export interface RawFrame {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  payload: Buffer;
}

/**
 * A hand-driven client over a raw socket: writes (masked) frames and bytes,
 * and reads the server's frames one by one. For feeding a server-role Conn
 * exactly the bytes a test needs.
 */
export class RawPeer {
  readonly frames: RawFrame[] = [];
  ended = false;
  private readonly parser: FrameParser;
  private waiter: (() => void) | null = null;
  private cur: { fin: boolean; rsv1: boolean; opcode: number; parts: Buffer[] } | null = null;

  constructor(
    readonly socket: net.Socket,
    role: 'client' | 'server' = 'client',
  ) {
    this.parser = new FrameParser({ role, rsv: 4, maxFrameSize: 1 << 30 });
    socket.on('data', (chunk: Buffer) => {
      this.parser.push(chunk);
      for (;;) {
        const r = this.parser.next();
        if (r === FrameParser.NEED_MORE) break;
        if (r === FrameParser.HEADER) {
          const h = this.parser.header;
          this.cur = { fin: h.fin, rsv1: h.rsv1, opcode: h.opcode, parts: [] };
          if (h.length === 0) this.finish();
        } else {
          this.cur?.parts.push(Buffer.from(this.parser.data));
          if (this.parser.remaining === 0) this.finish();
        }
      }
      this.notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', () => undefined);
  }

  /** Write one frame; masked unless `mask: false`. Any bytes go, even ones the RFC forbids. */
  send(opcode: number, payload: string | Uint8Array, opts: FrameOpts = {}): void {
    this.socket.write(RawPeer.frame(opcode, payload, opts));
  }

  /** The bytes of one frame, built by hand so tests can also build invalid ones. */
  static frame(opcode: number, payload: string | Uint8Array, opts: FrameOpts = {}): Buffer {
    const data = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
    const masked = opts.mask ?? true;
    const h = createHeader({ fin: opts.fin ?? true, rsv1: opts.rsv1 ?? false, opcode, masked, length: data.length, mask: maskKey() });
    const out = Buffer.allocUnsafe(headerSize(h) + data.length);
    const n = writeHeader(h, out, 0);
    out.set(data, n);
    if (masked) mask(out.subarray(n), h.mask, 0);
    return out;
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Wait until at least n frames arrived (or the socket ended); returns all frames so far. */
  async waitFrames(n: number, timeoutMs = 3000): Promise<RawFrame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < n && !this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} frames, got ${this.frames.length}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiter = () => {
          clearTimeout(t);
          r();
        };
      });
    }
    return this.frames;
  }

  /** Wait for the server's close frame and return its code (1005 for an empty one). */
  async waitClose(timeoutMs = 3000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.find((x) => x.opcode === Opcode.Close);
      if (f !== undefined) return f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
      if (this.ended) throw new Error('socket ended without a close frame');
      await this.waitFrames(this.frames.length + 1, Math.max(1, deadline - Date.now()));
    }
  }

  /** Wait until the socket is closed by the other side. */
  async waitEnd(timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the socket to end');
      await this.waitFrames(this.frames.length + 1, Math.max(1, deadline - Date.now())).catch(() => undefined);
    }
  }

  private finish(): void {
    const c = this.cur;
    if (c === null) return;
    this.frames.push({ fin: c.fin, rsv1: c.rsv1, opcode: c.opcode, payload: Buffer.concat(c.parts) });
    this.cur = null;
  }

  private notify(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}

/** A server-role Conn on one end of a loopback pair and a RawPeer client on the other. */
export async function rawPair(opts: Partial<ConnOptions> = {}): Promise<{ conn: Conn; peer: RawPeer; close(): void }> {
  const { a, b, close } = await socketPair();
  const conn = new Conn(a, { ...opts, role: 'server' });
  return { conn, peer: new RawPeer(b), close };
}

/** Read n whole messages from a Conn. */
export async function take<T>(it: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  if (n === 0) return out;
  const iter = it[Symbol.asyncIterator]();
  while (out.length < n) {
    const r = await iter.next();
    if (r.done === true) return out;
    out.push(r.value);
  }
  // Like leaving a for-await loop: the Conn then knows nobody is reading.
  await iter.return?.();
  return out;
}

/** Resolve after ms. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Connection pairs closed after each test. Call once at the top of a test file; `closeLater`
 * registers any other close function the same way.
 */
export function pairsClosedAfterEach(): {
  raw: typeof rawPair;
  pair: typeof connPair;
  closeLater(close: () => void): void;
} {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });
  const closeLater = (close: () => void): void => {
    cleanups.push(close);
  };
  return {
    raw: async (opts) => {
      const p = await rawPair(opts);
      closeLater(p.close);
      return p;
    },
    pair: async (serverOpts, clientOpts) => {
      const p = await connPair(serverOpts, clientOpts);
      closeLater(p.close);
      return p;
    },
    closeLater,
  };
}

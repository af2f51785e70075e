import * as net from 'node:net';
import { Duplex } from 'node:stream';
import { upgrade, type UpgradeOptions, type UpgradeResult } from '../../src/upgrade/index.js';
import type { UpgradeError } from '../../src/upgrade/index.js';

export const RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** A valid upgrade request; `extra` lines are appended, `replace` swaps whole header lines by name. */
export function request(opts: { path?: string; method?: string; version?: string; extra?: string[]; omit?: string[]; key?: string } = {}): string {
  const lines: [string, string][] = [
    ['Host', 'example.com'],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', opts.key ?? RFC_KEY],
    ['Sec-WebSocket-Version', '13'],
  ];
  const kept = lines.filter(([n]) => !(opts.omit ?? []).includes(n)).map(([n, v]) => `${n}: ${v}`);
  return `${opts.method ?? 'GET'} ${opts.path ?? '/chat'} ${opts.version ?? 'HTTP/1.1'}\r\n${[...kept, ...(opts.extra ?? [])].map((l) => `${l}\r\n`).join('')}\r\n`;
}

/** In-memory socket: chunks given to `feed` arrive as separate 'data' events; writes are collected. */
export class MemSocket extends Duplex {
  readonly written: Buffer[] = [];
  ended = false;

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.written.push(chunk);
    cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.ended = true;
    cb();
  }

  feed(...chunks: (Buffer | string)[]): void {
    for (const c of chunks) this.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
  }

  output(): string {
    return Buffer.concat(this.written).toString('latin1');
  }
}

export type Outcome =
  | { ok: true; result: UpgradeResult; socket: MemSocket }
  | { ok: false; error: UpgradeError; socket: MemSocket };

/** Runs `upgrade` over a MemSocket fed with `chunks`. */
export async function runMem(chunks: (Buffer | string)[], options?: UpgradeOptions): Promise<Outcome> {
  const socket = new MemSocket();
  const p = upgrade(socket, options);
  socket.feed(...chunks);
  try {
    return { ok: true, result: await p, socket };
  } catch (error) {
    return { ok: false, error: error as UpgradeError, socket };
  }
}

/** Status code of the response written to a MemSocket (0 if none). */
export function statusOf(s: MemSocket): number {
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(s.output());
  return m === null ? 0 : Number(m[1]);
}

/** A loopback net.Server running `upgrade` on each connection; results are queued. */
export async function rawServer(options?: UpgradeOptions, onResult?: (socket: net.Socket, r: UpgradeResult) => void) {
  const outcomes: Promise<UpgradeResult>[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const p = upgrade(socket, options);
    p.then((r) => onResult?.(socket, r), () => {});
    outcomes.push(p);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    outcomes,
    close: async (): Promise<void> => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Sends raw bytes over TCP and returns everything received until the server closes (or `ms` passes). */
export function exchange(port: number, chunks: (string | Buffer)[], ms = 3000): Promise<{ data: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let closed = false;
    const timer = setTimeout(() => c.destroy(), ms);
    c.on('data', (d) => got.push(d));
    c.on('error', () => {});
    c.on('end', () => {
      closed = true;
    });
    c.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(got).toString('latin1'), closedByServer: closed });
    });
    for (const ch of chunks) c.write(ch);
  });
}

/** `head` followed by whatever the socket still holds: every byte after the request. */
export async function afterRequest(socket: MemSocket, head: Buffer): Promise<string> {
  const got: Buffer[] = [head];
  socket.on('data', (d: Buffer) => got.push(d));
  socket.resume();
  await new Promise((r) => setImmediate(r));
  return Buffer.concat(got).toString('latin1');
}

/**
 * A WebSocket server written by hand over net.Server, for driving a client under test: it
 * answers the opening handshake itself and hands each connection to a RawPeer playing the
 * server role, which the test uses to send arbitrary frames.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { acceptFor, type ParsedHead } from './handshake.js';
import { readHead, writeChopped } from './raw-client.js';
import { RawPeer } from './raw-peer.js';

export interface FakeConnection {
  peer: RawPeer;
  request: ParsedHead;
}

export interface FakeServerOptions {
  /** Extra response header lines, e.g. { 'Sec-WebSocket-Protocol': 'chat' }. */
  headers?: Record<string, string>;
  /** Bytes written in the same TCP write as the 101 response (frames right behind the handshake). */
  trailing?: Uint8Array;
  /** Write the response (and trailing bytes) in TCP writes of at most this many bytes. */
  chop?: number;
  /** Rewrites the response head lines, to send a broken handshake on purpose. */
  mutate?(lines: string[]): string[];
}

export class FakeServer {
  readonly url: string;
  private queue: FakeConnection[] = [];
  private waiting: ((c: FakeConnection) => void)[] = [];
  private sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly opts: FakeServerOptions,
  ) {
    this.url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    server.on('connection', (s) => this.onConnection(s));
  }

  static async start(opts: FakeServerOptions = {}): Promise<FakeServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new FakeServer(server, opts);
  }

  /** The next client that completed the handshake; rejects after timeoutMs. */
  accept(timeoutMs = 5000): Promise<FakeConnection> {
    const ready = this.queue.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w !== take);
        reject(new Error(`no client handshake within ${timeoutMs} ms`));
      }, timeoutMs);
      const take = (c: FakeConnection) => {
        clearTimeout(timer);
        resolve(c);
      };
      this.waiting.push(take);
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async onConnection(socket: Socket): Promise<void> {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    let request: ParsedHead;
    try {
      request = await readHead(socket, 5000);
    } catch {
      return;
    }
    const key = request.headers.get('sec-websocket-key');
    if (!isValidOpeningRequest(request)) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const proper = [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${acceptFor(key!)}`,
      ...Object.entries(this.opts.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    ];
    const lines = this.opts.mutate ? this.opts.mutate(proper) : proper;
    const response = Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), this.opts.trailing ?? Buffer.alloc(0)]);
    void writeChopped(socket, response, this.opts.chop);
    const conn = { peer: new RawPeer(socket, 'server', request.rest), request };
    const w = this.waiting.shift();
    if (w) w(conn);
    else this.queue.push(conn);
  }
}

/** RFC 6455 4.1 requirements on a client's opening handshake, checked by hand. */
export function isValidOpeningRequest(request: ParsedHead): boolean {
  const h = request.headers;
  const key = h.get('sec-websocket-key') ?? '';
  return (
    /^GET \S+ HTTP\/1\.1$/.test(request.startLine) &&
    h.has('host') &&
    h.get('upgrade')?.toLowerCase() === 'websocket' &&
    /(^|,)\s*upgrade\s*(,|$)/i.test(h.get('connection') ?? '') &&
    h.get('sec-websocket-version') === '13' &&
    /^[A-Za-z0-9+/]{22}==$/.test(key) &&
    Buffer.from(key, 'base64').length === 16
  );
}

/**
 * An independent permessage-deflate endpoint over a raw socket, built the way Autobahn's fuzzing peer and
 * ws are: one long-lived node:zlib raw deflate/inflate stream per direction (reset per message without
 * context takeover), hand-built frames with RSV1 on the first frame only, optional auto-fragmentation of
 * the compressed payload. Nothing here uses src/, so it can judge zwire's implementation.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import zlib from 'node:zlib';
import { buildFrame, OP } from '../helpers/frame-builder.js';
import { FrameReader } from '../helpers/frame-reader.js';
import { acceptFor, newKey, type ParsedHead } from '../helpers/handshake.js';
import { readHead } from '../helpers/raw-client.js';
import { Conditions } from '../helpers/conditions.js';

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** The parameters one end works with. */
export interface PeerParams {
  ownNoContext: boolean;
  ownBits: number;
  peerNoContext: boolean;
  peerBits: number;
}

export interface Received {
  binary: boolean;
  compressed: boolean;
  data: Buffer;
}

/** A parsed Sec-WebSocket-Extensions element. */
export interface Element {
  name: string;
  params: Map<string, string | true>;
}

/** A plain Sec-WebSocket-Extensions parser for tests (no quoted commas or semicolons). */
export function parseExtensionHeader(value: string | undefined): Element[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((part) => {
    const [name, ...params] = part.split(';').map((s) => s.trim());
    const map = new Map<string, string | true>();
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq < 0) map.set(p, true);
      else map.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
    }
    return { name, params: map };
  });
}

function deflater(bits: number): zlib.DeflateRaw {
  return zlib.createDeflateRaw({ windowBits: Math.max(bits, 9) });
}

function inflater(bits: number): zlib.InflateRaw {
  return zlib.createInflateRaw({ windowBits: bits });
}

function run(stream: zlib.DeflateRaw | zlib.InflateRaw, input: Buffer[], flush: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer): void => void chunks.push(c);
    const onError = (err: Error): void => {
      stream.off('data', onData);
      reject(err);
    };
    stream.on('data', onData);
    stream.once('error', onError);
    for (const b of input) stream.write(b);
    stream.flush(flush, () => {
      stream.off('data', onData);
      stream.off('error', onError);
      resolve(Buffer.concat(chunks));
    });
  });
}

export class DeflatePeer {
  readonly messages: Received[] = [];
  readonly violations: string[] = [];
  closeCode: number | null | undefined = undefined;
  tcpClosed = false;

  private readonly reader = new FrameReader();
  private partial: { binary: boolean; compressed: boolean; parts: Buffer[] } | null = null;
  private compressor: zlib.DeflateRaw | null = null;
  private decompressor: zlib.InflateRaw | null = null;
  private inflating: Promise<void> = Promise.resolve();
  private readonly conditions = new Conditions();

  constructor(
    readonly socket: Socket,
    readonly role: 'client' | 'server',
    readonly params: PeerParams | null,
    head: Buffer,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => this.onData(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.tcpClosed = true;
      this.compressor?.close();
      this.decompressor?.close();
      this.conditions.wake();
    });
    if (head.length > 0) this.onData(head);
    socket.resume();
  }

  /** Compresses one message with this end's context. Returns the payload without the tail. */
  async compress(data: Buffer): Promise<Buffer> {
    const p = this.params as PeerParams;
    if (this.compressor === null || p.ownNoContext) {
      this.compressor?.close();
      this.compressor = deflater(p.ownBits);
    }
    const out = await run(this.compressor, [data], zlib.constants.Z_SYNC_FLUSH);
    if (!out.subarray(-4).equals(TAIL)) throw new Error('sync flush did not end in 00 00 ff ff');
    return out.subarray(0, out.length - 4);
  }

  /** Sends a message, compressed when `compress` (default: whenever deflate was negotiated). */
  async sendMessage(data: Buffer, binary: boolean, opts: { compress?: boolean; fragment?: number } = {}): Promise<void> {
    const compress = opts.compress ?? this.params !== null;
    const payload = compress ? await this.compress(data) : data;
    const size = opts.fragment && opts.fragment > 0 ? opts.fragment : Math.max(payload.length, 1);
    const frames: Buffer[] = [];
    for (let off = 0, first = true; first || off < payload.length; off += size, first = false) {
      const piece = payload.subarray(off, off + size);
      frames.push(
        buildFrame({
          opcode: first ? (binary ? OP.binary : OP.text) : OP.cont,
          payload: piece,
          fin: off + size >= payload.length,
          rsv: first && compress ? 4 : 0,
          mask: this.role === 'client',
        }),
      );
    }
    this.socket.write(Buffer.concat(frames));
  }

  /** Writes bytes as they are. */
  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  sendClose(code = 1000): void {
    const p = Buffer.alloc(2);
    p.writeUInt16BE(code);
    this.socket.write(buildFrame({ opcode: OP.close, payload: p, mask: this.role === 'client' }));
  }

  /** The next message received (in order); rejects after timeoutMs or when the connection ends first. */
  async nextMessage(timeoutMs = 5000): Promise<Received> {
    const ok = await this.waitUntil(() => this.messages.length > 0 || this.closeCode !== undefined || this.tcpClosed, timeoutMs);
    const m = this.messages.shift();
    if (m !== undefined) return m;
    throw new Error(ok ? `closed (code ${String(this.closeCode)}) while waiting for a message` : `no message within ${timeoutMs} ms`);
  }

  /** Resolves with the peer's close code (null: empty close frame) once it sent one or dropped TCP. */
  async closed(timeoutMs = 5000): Promise<number | null | undefined> {
    await this.waitUntil(() => this.closeCode !== undefined || this.tcpClosed, timeoutMs);
    return this.closeCode;
  }

  waitUntil(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    return this.conditions.until(pred, timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.reader.push(chunk);
    for (let f = this.reader.next(); f; f = this.reader.next()) {
      if (f.masked !== (this.role === 'server')) this.violations.push('wrong masking');
      if (f.opcode >= 8) {
        if (f.rsv !== 0) this.violations.push('RSV bits on a control frame');
        if (f.opcode === OP.close) this.closeCode = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : null;
        else if (f.opcode === OP.ping) this.socket.write(buildFrame({ opcode: OP.pong, payload: f.payload, mask: this.role === 'client' }));
        continue;
      }
      if (f.opcode === OP.cont) {
        if (f.rsv !== 0) this.violations.push('RSV bits on a continuation frame');
        if (this.partial === null) {
          this.violations.push('continuation without a message');
          continue;
        }
      } else {
        if (this.partial !== null) this.violations.push('new message inside a fragmented one');
        if ((f.rsv & 3) !== 0 || (f.rsv === 4 && this.params === null)) this.violations.push(`RSV bits ${f.rsv}`);
        this.partial = { binary: f.opcode === OP.binary, compressed: f.rsv === 4, parts: [] };
      }
      this.partial.parts.push(f.payload);
      if (f.fin) {
        const m = this.partial;
        this.partial = null;
        this.deliver(m.binary, m.compressed, Buffer.concat(m.parts));
      }
    }
    this.conditions.wake();
  }

  private deliver(binary: boolean, compressed: boolean, payload: Buffer): void {
    this.inflating = this.inflating.then(async () => {
      let data = payload;
      if (compressed) {
        const p = this.params as PeerParams;
        if (this.decompressor === null || p.peerNoContext) {
          this.decompressor?.close();
          this.decompressor = inflater(p.peerBits);
        }
        try {
          data = await run(this.decompressor, [payload, TAIL], zlib.constants.Z_SYNC_FLUSH);
        } catch (err) {
          this.violations.push(`invalid compressed data: ${(err as Error).message}`);
          this.decompressor = null;
          return;
        }
      }
      this.messages.push({ binary, compressed, data });
      this.conditions.wake();
    });
  }
}

/** Connects as a client offering `offer` (a Sec-WebSocket-Extensions value); returns the peer and response. */
export async function connectPeer(port: number, offer: string | null): Promise<{ peer: DeflatePeer; response: ParsedHead; accepted: Element | null }> {
  const key = newKey();
  const socket = connect({ host: '127.0.0.1', port });
  const lines = ['GET / HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13'];
  if (offer !== null) lines.push(`Sec-WebSocket-Extensions: ${offer}`);
  socket.write(lines.join('\r\n') + '\r\n\r\n');
  const response = await readHead(socket, 5000);
  if (!response.startLine.includes(' 101 ') || response.headers.get('sec-websocket-accept') !== acceptFor(key)) {
    socket.destroy();
    throw new Error(`handshake failed: ${response.startLine}`);
  }
  const answered = parseExtensionHeader(response.headers.get('sec-websocket-extensions'));
  const accepted = answered.find((e) => e.name === 'permessage-deflate') ?? null;
  const params: PeerParams | null =
    accepted === null
      ? null
      : {
          ownNoContext: accepted.params.has('client_no_context_takeover'),
          ownBits: Number(accepted.params.get('client_max_window_bits') ?? 15),
          peerNoContext: accepted.params.has('server_no_context_takeover'),
          peerBits: Number(accepted.params.get('server_max_window_bits') ?? 15),
        };
  return { peer: new DeflatePeer(socket, 'client', params, response.rest), response, accepted };
}

/** A server that answers each handshake with `choose(offers)` (null: decline) and hands over a peer. */
export async function startPeerServer(
  choose: (offers: Element[]) => Element | null,
  onPeer: (peer: DeflatePeer, offers: Element[]) => void,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    void readHead(socket, 5000).then(
      (head) => {
        const offers = parseExtensionHeader(head.headers.get('sec-websocket-extensions')).filter((e) => e.name === 'permessage-deflate');
        const answer = choose(offers);
        const lines = [
          'HTTP/1.1 101 Switching Protocols',
          'Upgrade: websocket',
          'Connection: Upgrade',
          `Sec-WebSocket-Accept: ${acceptFor(head.headers.get('sec-websocket-key') ?? '')}`,
        ];
        if (answer !== null) {
          const params = [...answer.params].map(([k, v]) => (v === true ? k : `${k}=${v}`));
          lines.push(`Sec-WebSocket-Extensions: ${[answer.name, ...params].join('; ')}`);
        }
        socket.write(lines.join('\r\n') + '\r\n\r\n');
        const params: PeerParams | null =
          answer === null
            ? null
            : {
                ownNoContext: answer.params.has('server_no_context_takeover'),
                ownBits: Number(answer.params.get('server_max_window_bits') ?? 15),
                peerNoContext: answer.params.has('client_no_context_takeover'),
                peerBits: Number(answer.params.get('client_max_window_bits') ?? 15),
              };
        onPeer(new DeflatePeer(socket, 'server', params, head.rest), offers);
      },
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}


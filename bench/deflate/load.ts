// Load generator of the permessage-deflate echo benchmark: holds the connections to one server, offers
// permessage-deflate with ws's default offer, replays a prepared sequence of compressed frames (one per
// echo received, `inflight` in flight per connection), counts the compressed echoes by frame length, and
// inflates every echo of the first connection to check it byte for byte.
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import zlib from 'node:zlib';
import { endSockets, serveIpc } from '../lib/index.js';
import { compressedFrame, compressedSequence } from './messages.js';
import type { DeflateConnectArgs, DeflateLoadProtocol, DeflateRunResult } from './protocol.js';

const SEQUENCE = 4000;
const CONNECT_CONCURRENCY = 100;
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

const prepared = await compressedSequence(SEQUENCE);
const frames = prepared.compressed.map(compressedFrame);

interface Connection {
  socket: Socket;
  next: number;
  outstanding: number;
  carry: Buffer | null;
  remaining: number;
  check: Checker | null;
}

/** Inflates one connection's echoes with a long-lived context and compares them with what was sent. */
class Checker {
  private readonly inflate = zlib.createInflateRaw();
  private parts: Buffer[] = [];
  private chunks: Buffer[] = [];
  private index = 0;
  private chain: Promise<void> = Promise.resolve();
  constructor() {
    this.inflate.on('data', (c: Buffer) => this.chunks.push(c));
    this.inflate.on('error', (err) => fail(err));
  }
  payload(piece: Buffer, last: boolean): void {
    this.parts.push(Buffer.from(piece));
    if (!last) return;
    const data = Buffer.concat([...this.parts, TAIL]);
    this.parts = [];
    const i = this.index++;
    this.chain = this.chain.then(
      () =>
        new Promise<void>((resolve) => {
          this.inflate.write(data);
          this.inflate.flush(() => {
            const got = Buffer.concat(this.chunks);
            this.chunks = [];
            if (!got.equals(prepared.plain[i])) fail(new Error(`echo ${i} differs from the message sent`));
            resolve();
          });
        }),
    );
  }
}

let shape: DeflateConnectArgs | null = null;
let conns: Connection[] = [];
let running = false;
let total = 0;
let uncompressed = 0;
let bytesIn = 0;
let draining = 0;
let onDrained: (() => void) | null = null;
let failure: Error | null = null;

function fail(err: Error): void {
  failure ??= err;
  onDrained?.();
}

function handshake(host: string, port: number): Promise<{ socket: Socket; head: Buffer; extensions: string }> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const socket = connect({ host, port, noDelay: true });
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      const head = received.subarray(0, end).toString('latin1');
      const accept = /\r\nsec-websocket-accept:\s*(\S+)/i.exec(head)?.[1];
      const want = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      if (!head.startsWith('HTTP/1.1 101 ') || accept !== want) {
        socket.destroy();
        reject(new Error(`handshake failed: ${head.split('\r\n')[0]}`));
        return;
      }
      socket.pause();
      resolve({ socket, head: received.subarray(end + 4), extensions: /\r\nsec-websocket-extensions:\s*([^\r]*)/i.exec(head)?.[1] ?? '' });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('connect', () =>
      socket.write(
        `GET / HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n',
      ),
    );
  });
}

/** Feeds received bytes through a length-only frame parser; returns the echoes completed. */
function consume(conn: Connection, input: Buffer): number {
  let chunk = input;
  if (conn.carry !== null) {
    chunk = Buffer.concat([conn.carry, input]);
    conn.carry = null;
  }
  let i = 0;
  let done = 0;
  const n = chunk.length;
  while (i < n) {
    if (conn.remaining > 0) {
      const take = Math.min(conn.remaining, n - i);
      conn.check?.payload(chunk.subarray(i, i + take), take === conn.remaining);
      conn.remaining -= take;
      i += take;
      if (conn.remaining === 0) done++;
      continue;
    }
    if (n - i < 2) break;
    const b0 = chunk[i];
    let len = chunk[i + 1] & 0x7f;
    let header = 2;
    if (len === 126) {
      if (n - i < 4) break;
      len = chunk.readUInt16BE(i + 2);
      header = 4;
    } else if (len === 127) {
      throw new Error('echo larger than 64 KiB');
    }
    if (n - i < header) break;
    if ((b0 & 0x0f) !== 1 || (b0 & 0x80) === 0) throw new Error(`unexpected frame 0x${b0.toString(16)}`);
    if ((b0 & 0x40) === 0) uncompressed++;
    bytesIn += len;
    i += header;
    conn.remaining = len;
    if (len === 0) {
      conn.check?.payload(chunk.subarray(i, i), true);
      done++;
    }
  }
  if (i < n) conn.carry = Buffer.from(chunk.subarray(i));
  return done;
}

function send(conn: Connection, k: number): void {
  const batch: Buffer[] = [];
  for (let j = 0; j < k && conn.next < SEQUENCE; j++) batch.push(frames[conn.next++]);
  if (batch.length < k) fail(new Error(`connection used up the ${SEQUENCE} prepared messages; raise SEQUENCE`));
  if (batch.length > 0) conn.socket.write(batch.length === 1 ? batch[0] : Buffer.concat(batch));
}

function attach(conn: Connection): void {
  conn.socket.on('data', (chunk: Buffer) => {
    let k: number;
    try {
      k = consume(conn, chunk);
    } catch (err) {
      fail(err as Error);
      return;
    }
    if (k === 0) return;
    total += k;
    if (running) {
      send(conn, k);
      return;
    }
    conn.outstanding -= k;
    if (conn.outstanding === 0 && --draining === 0) onDrained?.();
  });
  conn.socket.on('error', (err) => fail(err));
  conn.socket.on('close', () => {
    if (running || draining > 0) fail(new Error('server closed a connection during a round'));
  });
}

async function connectAll(args: DeflateConnectArgs): Promise<{ connections: number; extensions: string; ms: number }> {
  const started = performance.now();
  shape = args;
  let extensions = '';
  for (let at = 0; at < args.connections; at += CONNECT_CONCURRENCY) {
    const group = Math.min(CONNECT_CONCURRENCY, args.connections - at);
    const opened = await Promise.all(Array.from({ length: group }, () => handshake(args.host, args.port)));
    for (const { socket, head, extensions: ext } of opened) {
      if (!/^permessage-deflate\b/.test(ext)) throw new Error(`server did not accept permessage-deflate: "${ext}"`);
      extensions = ext;
      const conn: Connection = { socket, next: 0, outstanding: 0, carry: null, remaining: 0, check: conns.length === 0 ? new Checker() : null };
      attach(conn);
      conns.push(conn);
      socket.resume();
      if (head.length > 0) socket.emit('data', head);
    }
  }
  return { connections: conns.length, extensions, ms: performance.now() - started };
}

async function run({ ms }: { ms: number }): Promise<DeflateRunResult> {
  if (shape === null) throw new Error('run before connect');
  failure = null;
  total = 0;
  uncompressed = 0;
  bytesIn = 0;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  running = true;
  for (const conn of conns) {
    conn.outstanding = shape.inflight;
    send(conn, shape.inflight);
  }
  await sleep(ms);
  const messages = total;
  const windowMs = performance.now() - started;
  running = false;
  draining = conns.filter((c) => c.outstanding > 0).length;
  if (draining > 0 && failure === null) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => fail(new Error(`${draining} connections did not drain within 30 s`)), 30_000);
      onDrained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    onDrained = null;
  }
  if (failure !== null) throw failure;
  const cpu = process.cpuUsage(cpu0);
  return { messages, windowMs, total, uncompressed, bytesIn, clientCpuUs: cpu.user + cpu.system };
}

async function closeAll(): Promise<null> {
  const sockets = conns.map((conn) => conn.socket);
  conns = [];
  await endSockets(sockets);
  return null;
}

serveIpc<DeflateLoadProtocol>({ connect: connectAll, run, close: closeAll });
process.on('disconnect', () => process.exit(0));

// Load generator process: holds the connections to one server and runs timed
// rounds on request (see LoadProtocol). Started by bench/echo.ts, pinned to
// its own CPU; does as little work per message as it can so the server, not
// this process, is the bottleneck (except against the raw echo ceiling).
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { endSockets, serveIpc } from '../lib/index.js';
import { EchoCounter } from './counter.js';
import { BINARY, TEXT, makePayload, maskedFrame } from './frames.js';
import { openWebSocket } from './handshake.js';
import type { ConnectArgs, LoadProtocol, RunResult } from './protocol.js';
import { verifyEcho } from './verify.js';

const CONNECT_CONCURRENCY = 100;

interface Connection {
  socket: Socket;
  counter: EchoCounter;
  outstanding: number;
}

let shape: ConnectArgs | null = null;
let conns: Connection[] = [];
/** views[k] = k pre-built frames back to back: one write replaces k echoed messages. */
let views: Buffer[] = [];
let running = false;
let total = 0;
let draining = 0;
let onDrained: (() => void) | null = null;
let failure: Error | null = null;

function fail(err: Error): void {
  failure ??= err;
  onDrained?.();
}

function attach(conn: Connection): void {
  conn.socket.on('data', (chunk: Buffer) => {
    let k: number;
    try {
      k = conn.counter.push(chunk);
    } catch (err) {
      fail(err as Error);
      return;
    }
    if (k === 0) return;
    total += k;
    if (running) {
      conn.socket.write(views[k]);
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

async function connectAll(args: ConnectArgs): Promise<{ connections: number; ms: number }> {
  const started = performance.now();
  shape = args;
  const opcode = args.text ? TEXT : BINARY;
  const payload = makePayload(args.size, args.text);
  const frame = maskedFrame(opcode, payload);
  const batch = Buffer.concat(Array.from({ length: args.inflight }, () => frame));
  views = Array.from({ length: args.inflight + 1 }, (_, k) => batch.subarray(0, k * frame.length));
  const opened: Connection[] = [];
  for (let at = 0; at < args.connections; at += CONNECT_CONCURRENCY) {
    const group = Math.min(CONNECT_CONCURRENCY, args.connections - at);
    const sockets = await Promise.all(
      Array.from({ length: group }, async () => {
        const { socket, head } = await openWebSocket(args.host, args.port);
        await verifyEcho(socket, head, opcode, payload, frame);
        return socket;
      }),
    );
    for (const socket of sockets) {
      const conn = { socket, counter: new EchoCounter(args.size), outstanding: 0 };
      attach(conn);
      opened.push(conn);
    }
  }
  conns = opened;
  return { connections: conns.length, ms: performance.now() - started };
}

async function run({ ms }: { ms: number }): Promise<RunResult> {
  if (!shape) throw new Error('run before connect');
  const inflight = shape.inflight;
  failure = null;
  total = 0;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  running = true;
  for (const conn of conns) {
    conn.outstanding = inflight;
    conn.socket.write(views[inflight]);
  }
  await sleep(ms);
  const messages = total;
  const windowMs = performance.now() - started;
  running = false;
  draining = conns.filter((c) => c.outstanding > 0).length;
  if (draining > 0 && !failure) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => fail(new Error(`${draining} connections did not drain within 30 s`)), 30_000);
      onDrained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    onDrained = null;
  }
  if (failure) throw failure;
  const cpu = process.cpuUsage(cpu0);
  return { messages, windowMs, total, clientCpuUs: cpu.user + cpu.system, elapsedMs: performance.now() - started };
}

async function closeAll(): Promise<null> {
  const sockets = conns.map((conn) => conn.socket);
  conns = [];
  await endSockets(sockets);
  return null;
}

serveIpc<LoadProtocol>({ connect: connectAll, run, close: closeAll });
process.on('disconnect', () => process.exit(0));

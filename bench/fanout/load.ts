// Fan-out load generator over raw sockets (one process, pinned to its own
// CPU): opens every client with its own handshake (bench/echo/handshake.ts),
// publishes pre-built masked frames and counts deliveries with a header-only
// parser (counter.ts). Independent of src/.
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { endSockets, serveIpc } from '../lib/index.js';
import { BINARY, makePayload, maskedFrame } from '../echo/frames.js';
import { openWebSocket } from '../echo/handshake.js';
import { DeliveryCounter } from './counter.js';
import { Ledger } from './ledger.js';
import type { FanoutLoadProtocol, FanoutShape } from './protocol.js';

const CONNECT_CONCURRENCY = 100;

let sockets: Socket[] = [];
let ledger: Ledger | null = null;
/** Frames waiting for their publisher's socket, written once per event-loop turn. */
const outbox = new Map<number, Buffer[]>();
let flushing = false;

function flushOutbox(): void {
  flushing = false;
  for (const [publisher, frames] of outbox) sockets[publisher].write(frames.length === 1 ? frames[0] : Buffer.concat(frames));
  outbox.clear();
}

async function connectAll(shape: FanoutShape): Promise<{ connections: number; ms: number }> {
  const started = performance.now();
  const frames: Buffer[] = [];
  for (let p = 0; p < shape.publishers; p++) {
    for (let s = 0; s < shape.inflight; s++) {
      const payload = makePayload(shape.size, false);
      payload.writeUInt32BE(Ledger.tag(p, s), 0);
      frames.push(maskedFrame(BINARY, payload));
    }
  }
  const book = new Ledger(shape.clients, shape.publishers, shape.inflight, (p, s) => {
    const list = outbox.get(p);
    if (list) list.push(frames[p * shape.inflight + s]);
    else outbox.set(p, [frames[p * shape.inflight + s]]);
    if (!flushing) {
      flushing = true;
      setImmediate(flushOutbox);
    }
  });
  ledger = book;
  const delivered = (tag: number): void => book.delivered(tag);
  for (let at = 0; at < shape.clients; at += CONNECT_CONCURRENCY) {
    const group = Math.min(CONNECT_CONCURRENCY, shape.clients - at);
    const opened = await Promise.all(Array.from({ length: group }, () => openWebSocket(shape.host, shape.port)));
    for (const { socket, head } of opened) {
      const counter = new DeliveryCounter(shape.size);
      const onData = (chunk: Buffer): void => {
        try {
          counter.push(chunk, delivered);
        } catch (err) {
          book.fail(err as Error);
        }
      };
      socket.on('data', onData);
      socket.on('error', (err) => book.fail(err));
      socket.on('close', () => book.fail(new Error('the server closed a connection')));
      if (head.length > 0) onData(head);
      socket.resume();
      sockets.push(socket);
    }
  }
  // Servers subscribe as a connection opens; give the last ones a moment before the check.
  await new Promise((r) => setTimeout(r, 200));
  await book.check();
  return { connections: sockets.length, ms: performance.now() - started };
}

async function run({ ms }: { ms: number }): ReturnType<Ledger['round']> {
  if (!ledger) throw new Error('run before connect');
  return ledger.round(ms);
}

async function closeAll(): Promise<null> {
  const open = sockets;
  sockets = [];
  for (const s of open) s.removeAllListeners('close');
  await endSockets(open);
  return null;
}

serveIpc<FanoutLoadProtocol>({ connect: connectAll, run, close: closeAll });
process.on('disconnect', () => process.exit(0));

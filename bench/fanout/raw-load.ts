// The body of the raw-socket fan-out load generators (load.ts, zwire-rpc-load.ts):
// opens every client with its own handshake (bench/echo/handshake.ts), writes
// pre-built masked frames, coalesced per publisher socket once per event-loop
// turn, and counts deliveries with a header-only parser of the caller's choice.
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { endSockets, serveIpc } from '../lib/index.js';
import { openWebSocket } from '../echo/handshake.js';
import { Ledger } from './ledger.js';
import type { FanoutLoadProtocol, FanoutShape } from './protocol.js';

const CONNECT_CONCURRENCY = 100;

/** What differs between the load generators: the wire format of a client. */
export interface RawClientKind {
  /** Subprotocol to ask for, if any. */
  protocol?: string;
  /** The masked frame (publisher, slot) publishes. */
  publishFrame(shape: FanoutShape, publisher: number, slot: number): Buffer;
  /** A masked frame each client sends once connected (a subscribe request), if any. */
  subscribeFrame?: Buffer;
  /** A parser of one connection's incoming bytes. */
  counter(shape: FanoutShape): { push(chunk: Buffer, delivered: (tag: number) => void): void };
}

/** Serves FanoutLoadProtocol over IPC for clients of `kind`. */
export function serveRawLoad(kind: RawClientKind): void {
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
      for (let s = 0; s < shape.inflight; s++) frames.push(kind.publishFrame(shape, p, s));
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
      const opened = await Promise.all(Array.from({ length: group }, () => openWebSocket(shape.host, shape.port, 10_000, kind.protocol)));
      for (const { socket, head } of opened) {
        const counter = kind.counter(shape);
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
        if (kind.subscribeFrame !== undefined) socket.write(kind.subscribeFrame);
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
}

// Load generator of the topic memory benchmark: holds idle WebSocket
// connections over raw sockets (the echo benchmark's handshake and frames)
// and subscribes them to topics on request, each subscription acknowledged by
// one message from the server (counted by frame headers only).
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { endSockets, serveIpc } from '../lib/index.js';
import { readFrameHead, type FrameHead } from '../echo/counter.js';
import { TEXT, BINARY, maskedFrame } from '../echo/frames.js';
import { openWebSocket } from '../echo/handshake.js';
import { envelopeCodec } from '../../src/rpc/codecs.js';
import { Subprotocol } from '../../src/rpc/envelope.js';
import { TopicKind } from '../../src/rpc/topic-envelopes.js';
import type { SubscribeWire, TopicsMemoryProtocol } from './protocol.js';

const CONNECT_CONCURRENCY = 100;
const msgpack = envelopeCodec('msgpack');

/** Counts whole messages a server sends on one socket. */
class AckCounter {
  #remaining = 0;
  #carry: Buffer | null = null;
  readonly #head: FrameHead = { fin: false, opcode: 0, length: 0, size: 0 };

  push(input: Buffer, acked: () => void): void {
    const chunk = this.#carry === null ? input : Buffer.concat([this.#carry, input]);
    this.#carry = null;
    let i = 0;
    while (i < chunk.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, chunk.length - i);
        i += take;
        this.#remaining -= take;
        continue;
      }
      if (!readFrameHead(chunk, i, this.#head)) break;
      i += this.#head.size;
      this.#remaining = this.#head.length;
      if (this.#head.opcode < 8 && this.#head.fin) acked();
    }
    if (i < chunk.length) this.#carry = Buffer.from(chunk.subarray(i));
  }
}

let sockets: Socket[] = [];
let wire: SubscribeWire = 'text';
let nextId = 1;
let acks = 0;
let wake: (() => void) | null = null;

function acked(): void {
  acks++;
  wake?.();
}

/** A subscribe request; `id`: the subscription's id on its connection (RPC). */
function subscribeFrame(topic: string, id: number): Buffer {
  if (wire === 'text') return maskedFrame(TEXT, Buffer.from(topic));
  const data = msgpack.envelope([TopicKind.Subscribe, id, 'room', { room: topic }]);
  if (typeof data === 'string') throw new TypeError('the msgpack codec encodes to bytes');
  return maskedFrame(BINARY, data);
}

async function open(arg: { host: string; port: number; count: number; wire: SubscribeWire }): Promise<{ open: number; ms: number }> {
  const started = performance.now();
  wire = arg.wire;
  for (let at = 0; at < arg.count; at += CONNECT_CONCURRENCY) {
    const group = Math.min(CONNECT_CONCURRENCY, arg.count - at);
    const opened = await Promise.all(
      Array.from({ length: group }, () => openWebSocket(arg.host, arg.port, 10_000, wire === 'rpc' ? Subprotocol.msgpack : undefined)),
    );
    for (const { socket, head } of opened) {
      const counter = new AckCounter();
      socket.on('data', (chunk: Buffer) => counter.push(chunk, acked));
      socket.on('error', () => undefined);
      if (head.length > 0) counter.push(head, acked);
      socket.resume();
      sockets.push(socket);
    }
  }
  return { open: sockets.length, ms: performance.now() - started };
}

async function subscribe({ shared, personal }: { shared: string[]; personal: boolean }): Promise<{ subscriptions: number; ms: number }> {
  const started = performance.now();
  const want = acks + sockets.length * (shared.length + (personal ? 1 : 0));
  const sharedFrames = shared.map((topic, j) => subscribeFrame(topic, nextId + j));
  for (const [i, socket] of sockets.entries()) {
    const frames = personal ? [...sharedFrames, subscribeFrame(`own-${i}`, nextId + shared.length)] : sharedFrames;
    socket.write(Buffer.concat(frames));
  }
  nextId += shared.length + 1;
  while (acks < want) {
    const before = acks;
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, 5_000);
    });
    wake = null;
    if (acks === before) throw new Error(`${want - acks} subscriptions unacknowledged after 5 s`);
  }
  return { subscriptions: want, ms: performance.now() - started };
}

async function close(): Promise<null> {
  const open = sockets;
  sockets = [];
  await endSockets(open);
  return null;
}

serveIpc<TopicsMemoryProtocol>({ open, subscribe, close });
process.on('disconnect', () => process.exit(0));

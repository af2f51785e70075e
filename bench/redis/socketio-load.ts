// Load generator of the many-node benchmark for Socket.IO: socket.io-client
// (WebSocket transport only) sockets spread over the nodes, every one in the
// room; publishers emit 'm', which each node broadcasts through the Redis adapter.
import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import { serveIpc } from '../lib/index.js';
import { Ledger } from '../fanout/ledger.js';
import { connectOne, disconnectAll } from '../fanout/socketio-clients.js';
import { Latencies } from './latency.js';
import type { ClusterLoadProtocol, ClusterResult, ClusterShape } from './protocol.js';

let clients: Socket[] = [];
let ledger: Ledger | null = null;
const latencies = new Latencies();

async function connectAll(shape: ClusterShape): Promise<{ connections: number; ms: number }> {
  const started = performance.now();
  const pad = 'x'.repeat(shape.size);
  const book = new Ledger(shape.clients, shape.publishers, shape.inflight, (p, s) => {
    const head = Latencies.stamp(Ledger.tag(p, s));
    clients[p]!.emit('m', head + pad.slice(head.length));
  });
  ledger = book;
  for (let at = 0; at < shape.clients; at += 50) {
    const group = await Promise.all(
      Array.from({ length: Math.min(50, shape.clients - at) }, (_, k) => connectOne(`http://127.0.0.1:${shape.ports[(at + k) % shape.ports.length]}`)),
    );
    for (const socket of group) {
      socket.on('m', (text: string) => book.delivered(latencies.delivered(text)));
      socket.on('disconnect', () => book.fail(new Error('a node closed a connection')));
      clients.push(socket);
    }
  }
  // joining the room is not acknowledged to the client: the check publication tells when every socket is in
  await new Promise((r) => setTimeout(r, 200));
  await book.check();
  latencies.reset();
  return { connections: clients.length, ms: performance.now() - started };
}

async function run({ ms }: { ms: number }): Promise<ClusterResult> {
  if (!ledger) throw new Error('run before connect');
  return latencies.result(await ledger.round(ms));
}

function closeAll(): null {
  disconnectAll(clients);
  clients = [];
  return null;
}

serveIpc<ClusterLoadProtocol>({ connect: connectAll, run, close: closeAll });
process.on('disconnect', () => process.exit(0));

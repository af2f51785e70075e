// Load generator of the many-node benchmark for zwire: typed RPC clients
// (zwire/client, JSON, validation off) spread over the nodes, each subscribed
// to the room; publishers publish through the topic's client publish.
import { performance } from 'node:perf_hooks';
import { createClient, type RpcClient } from '../../src/client/index.js';
import { serveIpc } from '../lib/index.js';
import { Ledger } from '../fanout/ledger.js';
import { Latencies } from './latency.js';
import type { ClusterLoadProtocol, ClusterResult, ClusterShape } from './protocol.js';
import { benchService } from './service.js';

type Client = RpcClient<(typeof benchService)['methods']>;
const ROOM = { room: 'bench' };

let clients: Client[] = [];
let ledger: Ledger | null = null;
const latencies = new Latencies();

async function connectAll(shape: ClusterShape): Promise<{ connections: number; ms: number }> {
  const started = performance.now();
  const topic = shape.topic === 'kept' ? 'kept' : 'room';
  const pad = 'x'.repeat(shape.size);
  const book = new Ledger(shape.clients, shape.publishers, shape.inflight, (p, s) => {
    const head = Latencies.stamp(Ledger.tag(p, s));
    clients[p]![topic].publish(ROOM, { t: head + pad.slice(head.length) }).catch((err: Error) => book.fail(err));
  });
  ledger = book;
  for (let at = 0; at < shape.clients; at += 50) {
    const group = Array.from({ length: Math.min(50, shape.clients - at) }, (_, k) => {
      const port = shape.ports[(at + k) % shape.ports.length];
      return createClient(benchService, `ws://127.0.0.1:${port}/`, { validate: false, heartbeatMs: 0, reconnect: false });
    });
    await Promise.all(
      group.map(async (c) => {
        const sub = c[topic].subscribe(ROOM, { maxBuffered: 1 << 20 });
        sub.on('reset', () => book.fail(new Error('a subscription was reset')));
        sub.on('error', (err) => book.fail(err));
        await sub.ready();
        // closing the client at the end ends the loop with UNAVAILABLE
        void (async () => {
          for await (const m of sub) book.delivered(latencies.delivered(m.t));
        })().catch(() => undefined);
      }),
    );
    clients.push(...group);
  }
  await book.check();
  latencies.reset();
  return { connections: clients.length, ms: performance.now() - started };
}

async function run({ ms }: { ms: number }): Promise<ClusterResult> {
  if (!ledger) throw new Error('run before connect');
  return latencies.result(await ledger.round(ms));
}

async function closeAll(): Promise<null> {
  await Promise.all(clients.map((c) => c.close()));
  clients = [];
  return null;
}

serveIpc<ClusterLoadProtocol>({ connect: connectAll, run, close: closeAll });
process.on('disconnect', () => process.exit(0));

// Memory of topics (issue #13): what a server holds per idle connection
// subscribed to a room, and per subscription, for zwire's message-layer
// topics, zwire's typed RPC topics and `ws` with topics kept by hand. Each
// server runs in a process of its own; its heap and RSS are read after a
// forced GC, before and after each step, over the same raw-socket clients.
// See bench/README.md.
//   npm run bench -- topics-memory              5,000 connections
//   npm run bench -- topics-memory --quick      1,000 connections
//   flags: --connections=N --servers=zwire,zwire-rpc,ws --shared=N (further rooms per connection, default 10)
import { spawnSync } from 'node:child_process';
import {
  CLIENT_CPU,
  SERVER_CPU,
  busyWarning,
  describeEnvironment,
  formatBytes,
  parseFlags,
  renderTable,
  spawnServer,
  spawnWorker,
} from './lib/index.js';
import type { SubscribeWire, TopicsMemoryProtocol } from './topics-memory/protocol.js';

const flags = parseFlags();
const quick = flags.has('quick');
const asked = flags.number('connections', quick ? 1_000 : 5_000);
const sharedRooms = flags.number('shared', 10);
const wanted = flags.list('servers') ?? ['zwire', 'zwire-rpc', 'ws'];
/** Descriptors each side needs beyond its connections. */
const FD_SLACK = 512;

interface MemoryServerDef {
  id: string;
  label: string;
  script: string;
  wire: SubscribeWire;
}

const SERVERS: Record<string, MemoryServerDef> = {
  zwire: { id: 'zwire', label: 'zwire message-layer topics', script: 'bench/topics-memory/zwire-server.ts', wire: 'text' },
  'zwire-rpc': { id: 'zwire-rpc', label: 'zwire typed RPC topics (msgpack)', script: 'bench/topics-memory/zwire-rpc-server.ts', wire: 'rpc' },
  ws: { id: 'ws', label: '`ws`, topics in a Map of Sets', script: 'bench/topics-memory/ws-server.ts', wire: 'text' },
};

/** One reading after a step: growth over the fresh process. */
interface Reading {
  heap: number;
  rss: number;
}

/** The connection count within the descriptor limit (children inherit Node's raised soft limit). */
function connectionCount(): number {
  const out = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
  const limit = out === 'unlimited' ? Infinity : Number(out);
  if (asked + FD_SLACK <= limit) return asked;
  const fits = Math.max(1, limit - FD_SLACK);
  console.log(`(${asked} connections need \`ulimit -n\` ${asked + FD_SLACK}; the limit is ${limit}, so ${fits})`);
  return fits;
}

/** Readings after: connections open, one shared room each, `sharedRooms` more each, one room of its own each. */
async function measure(def: MemoryServerDef, connections: number): Promise<Reading[]> {
  const server = await spawnServer({ name: def.id, script: def.script, nodeArgs: ['--expose-gc'], cpu: SERVER_CPU });
  const load = spawnWorker<TopicsMemoryProtocol>({ name: `load-${def.id}`, script: 'bench/topics-memory/load.ts', cpu: CLIENT_CPU });
  try {
    const base = await server.statsAfterGc();
    const readings: Reading[] = [];
    const read = async (): Promise<void> => {
      const s = await server.statsAfterGc();
      readings.push({ heap: s.heapUsed - base.heapUsed, rss: s.rss - base.rss });
    };
    await load.ipc.call('open', { host: '127.0.0.1', port: server.port, count: connections, wire: def.wire }, 600_000);
    await read();
    await load.ipc.call('subscribe', { shared: ['room-0'], personal: false }, 600_000);
    await read();
    const more = Array.from({ length: sharedRooms }, (_, i) => `room-${i + 1}`);
    await load.ipc.call('subscribe', { shared: more, personal: false }, 600_000);
    await read();
    await load.ipc.call('subscribe', { shared: [], personal: true }, 600_000);
    await read();
    await load.ipc.call('close', null, 120_000);
    return readings;
  } finally {
    await load.stop();
    await server.stop();
  }
}

const per = (bytes: number, n: number): string => formatBytes(bytes / n);

async function main(): Promise<void> {
  const connections = connectionCount();
  console.log(`# topic memory: ${connections} connections${quick ? ' (--quick)' : ''}\n\n${describeEnvironment()}\n`);
  const results: [MemoryServerDef, Reading[]][] = [];
  for (const id of wanted) {
    const def = SERVERS[id];
    if (def === undefined) throw new Error(`no server ${id}; available: ${Object.keys(SERVERS).join(', ')}`);
    results.push([def, await measure(def, connections)]);
  }
  const columns = [
    { header: 'server', align: 'left' as const },
    { header: 'idle connection', align: 'right' as const },
    { header: 'idle connection in one room', align: 'right' as const },
    { header: 'its room subscription', align: 'right' as const },
    { header: `each of ${sharedRooms} more shared rooms`, align: 'right' as const },
    { header: 'a room of its own', align: 'right' as const },
  ];
  for (const key of ['heap', 'rss'] as const) {
    const rows = results.map(([def, [open, room, shared, own]]) => [
      def.label,
      per(open[key], connections),
      per(room[key], connections),
      per(room[key] - open[key], connections),
      per(shared[key] - room[key], connections * sharedRooms),
      per(own[key] - shared[key], connections),
    ]);
    console.log(`### ${key === 'heap' ? 'V8 heap used' : 'RSS'} per connection and per subscription (growth over a fresh process, forced GC)\n`);
    console.log(`${renderTable(columns, rows)}\n`);
  }
  const warning = busyWarning(2);
  if (warning) console.log(warning);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

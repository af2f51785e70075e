// Many nodes on Redis (issue #14): three zwire RPC nodes with redisEngine on
// one local redis-server against three Socket.IO 4.8 nodes with
// @socket.io/redis-adapter on the same Redis, same shape, one run: clients
// spread over the nodes, all in one room, publishers on every node;
// deliveries/s, publish-to-delivery p50/p99, CPU of the nodes and of Redis
// per publication. See bench/README.md.
//   npm run bench -- redis            full run
//   npm run bench -- redis --quick    smoke run (1 short round, 30 clients)
//   flags: --servers=zwire,zwire-history,socketio  --rounds=N  --seconds=S
//          --clients=N --publishers=N --inflight=N --size=N
//          --baseline=<dir>: also run zwire's nodes and load generator of another checkout (an older commit in a
//            git worktree with node_modules linked), alternated with ours, and print our ratio to it
//          --profile: CPU profile of the first node of zwire (and of the baseline) over the measured rounds
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLIENT_CPU, ROOT, busyWarning, describeEnvironment, parseFlags, renderSelfTime, topSelfTime, type ServerProcess } from './lib/index.js';
import { BenchRedis } from './redis/redis-server.js';
import { baselineLine, clusterTable, targetLine } from './redis/report.js';
import { CLUSTER_PEERS, baselinePeer, runCluster, type ClusterDef, type ClusterTiming, type NodeProfiler, type Traffic } from './redis/run.js';

const flags = parseFlags();
const quick = flags.has('quick');
const timing: ClusterTiming = {
  rounds: flags.number('rounds', quick ? 1 : 5),
  roundMs: flags.number('seconds', quick ? 0.4 : 3) * 1000,
  warmupMs: quick ? 300 : 1500,
};
const traffic: Traffic = {
  clients: flags.number('clients', quick ? 30 : 300),
  publishers: flags.number('publishers', quick ? 3 : 30),
  inflight: flags.number('inflight', 2),
  size: flags.number('size', 128),
};
const wanted = flags.list('servers') ?? Object.keys(CLUSTER_PEERS);
const baselineDir = flags.string('baseline');
const resultsDir = join(ROOT, 'bench/results');
const stamp = (): string => new Date().toISOString().replace(/[:.]/g, '-');

const profiler: NodeProfiler = {
  wants: (def) => def.id === 'zwire' || def.id === 'baseline',
  async done(def: ClusterDef, node: ServerProcess) {
    await mkdir(resultsDir, { recursive: true });
    const path = await node.stopProfile(join(resultsDir, `redis-${def.id}-node1-${stamp()}.cpuprofile`));
    console.log(`#### CPU profile of ${def.label}, node 1, over the measured rounds: ${path}\n\n${renderSelfTime(await topSelfTime(path, 30))}\n`);
  },
};

async function main(): Promise<void> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    console.log('no redis-server on PATH: apt-get install redis-server');
    return;
  }
  const started = Date.now();
  console.log(`# many nodes on Redis${quick ? ' (--quick)' : ''}\n\n${describeEnvironment()}`);
  console.log(
    `3 nodes per contestant on one redis-server (pinned with the load generators; the baseline on one of its own); ${traffic.clients} clients spread over them, ` +
      `${traffic.publishers} publishers × ${traffic.inflight} in flight, ${traffic.size} B; ` +
      `${timing.rounds} alternated rounds of ${timing.roundMs / 1000} s after a ${timing.warmupMs / 1000} s warm-up; medians.\n`,
  );
  const redis = new BenchRedis();
  await redis.start(CLIENT_CPU);
  // the baseline's nodes use our keys and pub/sub channels: on the shared Redis, each would hear the other's publications
  const baselineRedis = baselineDir === undefined ? null : new BenchRedis();
  await baselineRedis?.start(CLIENT_CPU);
  try {
    const defs = wanted.map((id) => {
      const def = CLUSTER_PEERS[id];
      if (def === undefined) throw new Error(`no contestant ${id}; there are ${Object.keys(CLUSTER_PEERS).join(', ')}`);
      return def;
    });
    if (baselineDir !== undefined) defs.push(baselinePeer(baselineDir));
    const redisOf = (def: ClusterDef): BenchRedis => (def.id === 'baseline' && baselineRedis !== null ? baselineRedis : redis);
    const runs = await runCluster(defs, traffic, timing, redisOf, flags.has('profile') ? profiler : undefined);
    console.log(`${clusterTable(runs)}\n\n${targetLine(runs)}\n`);
    if (baselineDir !== undefined) console.log(`${baselineLine(runs)}\n`);
    console.log(`finished in ${Math.round((Date.now() - started) / 1000)} s; ${describeEnvironment()}`);
    const warning = busyWarning(3);
    if (warning) console.log(warning);
    await mkdir(resultsDir, { recursive: true });
    const file = join(resultsDir, `redis-${stamp()}.json`);
    await writeFile(file, JSON.stringify({ environment: describeEnvironment(), timing, traffic, runs }, null, 2));
    console.log(`raw figures: ${file}`);
  } finally {
    await Promise.all([redis.stop(), baselineRedis?.stop()]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

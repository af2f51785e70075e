import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CLIENT_CPU, SERVER_CPU, alternateRounds, procCpuUs, spawnServer, spawnWorker, type ServerProcess, type Worker } from '../lib/index.js';
import type { ClusterLoadProtocol, ClusterShape } from './protocol.js';
import type { BenchRedis } from './redis-server.js';

/** A contestant: the node script run three times, and the load generator that speaks its protocol. */
export interface ClusterDef {
  id: string;
  label: string;
  node: string;
  load: string;
  /** zwire's topic (`room` without history, `kept` with). */
  topic?: string;
}

export const CLUSTER_PEERS: Record<string, ClusterDef> = {
  zwire: { id: 'zwire', label: 'zwire RPC topics, redisEngine', node: 'bench/redis/zwire-node.ts', load: 'bench/redis/zwire-load.ts', topic: 'room' },
  'zwire-history': {
    id: 'zwire-history',
    label: 'zwire, topic with history (100)',
    node: 'bench/redis/zwire-node.ts',
    load: 'bench/redis/zwire-load.ts',
    topic: 'kept',
  },
  socketio: { id: 'socketio', label: 'Socket.IO 4.8 + redis-adapter', node: 'bench/redis/socketio-node.ts', load: 'bench/redis/socketio-load.ts' },
};

/** zwire's nodes and load generator of another checkout (`--baseline=<dir>`, e.g. an older commit in a git worktree with node_modules linked). */
export function baselinePeer(dir: string): ClusterDef {
  const root = resolve(dir);
  const def: ClusterDef = {
    id: 'baseline',
    label: `zwire of ${dir}`,
    node: join(root, CLUSTER_PEERS.zwire!.node),
    load: join(root, CLUSTER_PEERS.zwire!.load),
    topic: 'room',
  };
  for (const path of [def.node, def.load, join(root, 'node_modules')]) {
    if (!existsSync(path)) throw new Error(`--baseline: ${path} not found (a zwire checkout with bench/redis/ and node_modules linked)`);
  }
  return def;
}

/** One contestant's figures for one round; NaN when it failed. */
export interface ClusterRound {
  deliveriesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU of the three nodes together per delivery, µs. */
  nodesCpuUsPerDelivery: number;
  /** CPU of redis-server per publication, µs. */
  redisCpuUsPerPublication: number;
  /** CPU over wall time: the nodes together (up to 3 on one core), Redis, the load generator. */
  nodesBusy: number;
  redisBusy: number;
  clientBusy: number;
}

export interface ClusterRun {
  def: ClusterDef;
  rounds: ClusterRound[];
  connectMs?: number;
  error?: string;
}

export interface ClusterTiming {
  rounds: number;
  roundMs: number;
  warmupMs: number;
}

/** Traffic of a run; ports are filled in per contestant. */
export type Traffic = Omit<ClusterShape, 'ports' | 'topic'>;

const FAILED: ClusterRound = {
  deliveriesPerSec: NaN,
  p50Ms: NaN,
  p99Ms: NaN,
  nodesCpuUsPerDelivery: NaN,
  redisCpuUsPerPublication: NaN,
  nodesBusy: NaN,
  redisBusy: NaN,
  clientBusy: NaN,
};

interface Contestant {
  run: ClusterRun;
  redis: BenchRedis;
  nodes: ServerProcess[];
  load?: Worker<ClusterLoadProtocol>;
}

async function start(def: ClusterDef, traffic: Traffic, redis: BenchRedis): Promise<Contestant> {
  const c: Contestant = { run: { def, rounds: [] }, redis, nodes: [] };
  try {
    for (let i = 0; i < 3; i++) {
      c.nodes.push(await spawnServer({ name: `${def.id}-node${i + 1}`, script: def.node, env: { REDIS_SOCKET: redis.socketPath }, cpu: SERVER_CPU }));
    }
    c.load = spawnWorker<ClusterLoadProtocol>({ name: `load-${def.id}`, script: def.load, cpu: CLIENT_CPU });
    const shape: ClusterShape = { ...traffic, ports: c.nodes.map((n) => n.port), topic: def.topic };
    c.run.connectMs = (await c.load.ipc.call('connect', shape, 300_000)).ms;
  } catch (err) {
    c.run.error = (err as Error).message;
  }
  return c;
}

function nodesCpuUs(c: Contestant): number {
  return c.nodes.reduce((sum, n) => sum + procCpuUs(n.child.pid), 0);
}

async function measure(c: Contestant, ms: number, clients: number): Promise<ClusterRound> {
  if (!c.load || c.run.error) return FAILED;
  const redis = c.redis;
  try {
    const nodes0 = nodesCpuUs(c);
    const redis0 = redis.cpuUs();
    const r = await c.load.ipc.call('run', { ms }, ms + 60_000);
    const nodesUs = nodesCpuUs(c) - nodes0;
    const redisUs = redis.cpuUs() - redis0;
    const wallUs = r.elapsedMs * 1000;
    return {
      deliveriesPerSec: (r.deliveries / r.windowMs) * 1000,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      nodesCpuUsPerDelivery: nodesUs / r.total,
      // every publication reaches every client once
      redisCpuUsPerPublication: redisUs / (r.total / clients),
      nodesBusy: nodesUs / wallUs,
      redisBusy: redisUs / wallUs,
      clientBusy: r.clientCpuUs / wallUs,
    };
  } catch (err) {
    c.run.error = (err as Error).message;
    return FAILED;
  }
}

async function stop(c: Contestant): Promise<void> {
  await c.load?.ipc.call('close', null, 30_000).catch(() => null);
  await c.load?.stop();
  await Promise.all(c.nodes.map((n) => n.stop()));
}

/** Which contestants get their first node CPU-profiled over the measured rounds, and what becomes of each profile. */
export interface NodeProfiler {
  wants(def: ClusterDef): boolean;
  /** The rounds are over: stop the node's profile and report it. */
  done(def: ClusterDef, node: ServerProcess): Promise<void>;
}

/**
 * Every contestant's three nodes (pinned to the server CPU) on the one
 * redis-server, with its own load generator (pinned to the client CPU),
 * connected before any is measured; each warmed up once, then measured in
 * alternating rounds, one contestant at a time, so Redis serves one at a time.
 */
export async function runCluster(
  defs: ClusterDef[],
  traffic: Traffic,
  timing: ClusterTiming,
  /** The redis-server of a contestant: one shared, but a baseline (same keys and channels as ours) needs its own. */
  redisOf: (def: ClusterDef) => BenchRedis,
  profiler?: NodeProfiler,
): Promise<ClusterRun[]> {
  const contestants: Contestant[] = [];
  try {
    for (const def of defs) contestants.push(await start(def, traffic, redisOf(def)));
    for (const c of contestants) await measure(c, timing.warmupMs, traffic.clients);
    const profiled = profiler === undefined ? [] : contestants.filter((c) => profiler.wants(c.run.def) && c.nodes[0] !== undefined);
    for (const c of profiled) await c.nodes[0]!.startProfile();
    const results = await alternateRounds(contestants, timing.rounds, (c) => measure(c, timing.roundMs, traffic.clients));
    for (const c of profiled) await profiler?.done(c.run.def, c.nodes[0]!);
    for (const c of contestants) c.run.rounds = results.get(c) ?? [];
  } finally {
    await Promise.all(contestants.map(stop));
  }
  return contestants.map((c) => c.run);
}

// RPC benchmark (issue #6): zwire's typed RPC (msgpack and JSON, validation
// both ways) against rpc-websockets, a hand-written JSON-RPC on bare `ws` and
// tRPC v11 (ws adapter + wsLink). Each system runs its own server and its own
// client library; servers and load generators are separate processes pinned
// to separate CPUs; rounds alternate systems; figures are medians.
//
//   npx tsx bench/rpc.ts [--rounds=3] [--ms=2000 | --seconds=2] [--quick] [--only=unary,latency,slow,stream] [--systems=zwire-msgpack,trpc]
//     --quick: 2 rounds of 1 s
//     --baseline=<dir>: also run zwire's server and client of another checkout (e.g. an older commit in a git
//       worktree, with node_modules linked) in every scenario, alternated with ours, and print our ratios to it
//     --profile: CPU profile of every zwire server (ours, the baseline's) over the unary rounds, top self time printed
//     --gap=<ms>: idle time before each unary round (every load generator waits), as a quiet spell leaves a client
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CLIENT_CPU,
  ROOT,
  SERVER_CPU,
  alternateRounds,
  describeEnvironment,
  formatBytes,
  formatNumber,
  formatRatio,
  formatSpread,
  pairedRatio,
  parseFlags,
  renderSelfTime,
  renderTable,
  spawnServer,
  spawnWorker,
  summarize,
  topSelfTime,
  type ProbeStats,
  type ServerProcess,
  type Worker,
} from './lib/index.js';
import { contestants, streams, type Contestant } from './rpc/contestants.js';
import type { LoadProtocol, System } from './rpc/protocol.js';

const flags = parseFlags();
const quick = flags.has('quick');
const rounds = flags.number('rounds', quick ? 2 : 3);
const ms = flags.has('seconds') ? flags.number('seconds', 2) * 1000 : flags.number('ms', quick ? 1000 : 2000);
const only = new Set(flags.list('only') ?? ['unary', 'latency', 'stream', 'slow']);
const ALL: System[] = ['zwire-msgpack', 'zwire-json', 'rpc-websockets', 'ws-jsonrpc', 'trpc'];
const systems = (flags.list('systems') as System[] | undefined) ?? ALL;
const baselineDir = flags.string('baseline');
const all = contestants(systems, baselineDir);
const byId = new Map(all.map((c) => [c.id, c]));
const profiling = flags.has('profile');
const gapMs = flags.number('gap', 0);

const servers = new Map<string, ServerProcess>();
const workers = new Map<string, Worker<LoadProtocol>>();

async function start(): Promise<void> {
  for (const c of all) {
    if (!servers.has(c.server)) {
      const name = c.baselineOf === undefined ? c.server.split('/').pop()! : 'baseline zwire-server.ts';
      servers.set(c.server, await spawnServer({ name, script: c.server, cpu: SERVER_CPU, nodeArgs: ['--expose-gc'] }));
    }
    workers.set(c.id, spawnWorker<LoadProtocol>({ name: `load ${c.id}`, script: c.load, cpu: CLIENT_CPU }));
  }
}

async function stop(): Promise<void> {
  await Promise.all([...workers.values()].map((w) => w.stop()));
  await Promise.all([...servers.values()].map((s) => s.stop()));
}

const serverOf = (id: string): ServerProcess => servers.get(byId.get(id)!.server)!;
const open = (id: string, connections: number): Promise<null> =>
  workers.get(id)!.ipc.call('open', { system: byId.get(id)!.system, port: serverOf(id).port, connections });
const cpuOf = (st: { cpuUserUs: number; cpuSystemUs: number }): number => st.cpuUserUs + st.cpuSystemUs;

interface UnaryRound {
  rate: number;
  serverUsPerCall: number;
  clientUsPerCall: number;
  p50Us: number;
  p99Us: number;
}

async function unaryScenario(connections: number, inflight: number, latency: boolean, list: string[]): Promise<Map<string, UnaryRound[]>> {
  for (const s of list) await open(s, connections);
  for (const s of list) await workers.get(s)!.ipc.call('unary', { inflight, ms: 500, latency }); // warm-up
  const profiled = profiling && !latency ? zwireServers(list) : [];
  for (const [, server] of profiled) await server.startProfile();
  const results = await alternateRounds(list, rounds, async (s) => {
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    const before = await serverOf(s).stats();
    const r = await workers.get(s)!.ipc.call('unary', { inflight, ms, latency });
    const after = await serverOf(s).stats();
    return {
      rate: r.calls / r.seconds,
      serverUsPerCall: (cpuOf(after) - cpuOf(before)) / r.total,
      clientUsPerCall: r.clientCpuUs / r.total,
      p50Us: r.p50Us,
      p99Us: r.p99Us,
    };
  });
  for (const [name, server] of profiled) await printProfile(name, server);
  for (const s of list) await workers.get(s)!.ipc.call('close', null);
  return results;
}

/** The servers of the zwire rows (ours and the baseline's), each once, by label. */
function zwireServers(list: string[]): [string, ServerProcess][] {
  const out = new Map<ServerProcess, string>();
  for (const id of list) {
    if (byId.get(id)!.system.startsWith('zwire')) out.set(serverOf(id), byId.get(id)!.baselineOf === undefined ? 'zwire' : 'baseline');
  }
  return [...out].map(([server, name]) => [name, server]);
}

async function printProfile(name: string, server: ServerProcess): Promise<void> {
  const dir = join(ROOT, 'bench/results');
  await mkdir(dir, { recursive: true });
  const path = await server.stopProfile(join(dir, `rpc-${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`));
  console.log(`\n#### CPU profile of the ${name} server over the unary rounds: ${path}\n\n${renderSelfTime(await topSelfTime(path, 30))}`);
}

function ratioCell(a: number[], b: number[] | undefined): string {
  return b === undefined ? 'n/a' : formatRatio(pairedRatio(a, b));
}

/** Our row against the other checkout's (--baseline): rate and server CPU per call or item, paired per round. */
function baselineCells<R extends { rate: number }>(s: string, results: Map<string, R[]>, cpu: (r: R) => number): string[] {
  const twin = all.find((c) => c.baselineOf === s);
  const base = twin === undefined ? undefined : results.get(twin.id);
  if (base === undefined) return ['n/a', 'n/a'];
  const ours = results.get(s)!;
  return [ratioCell(ours.map((r) => r.rate), base.map((r) => r.rate)), ratioCell(ours.map(cpu), base.map(cpu))];
}

function printUnary(title: string, results: Map<string, UnaryRound[]>, latency: boolean): void {
  console.log(`\n### ${title}\n`);
  const rate = (s: string): number[] => results.get(s)!.map((r) => r.rate);
  const rows = [...results.keys()].map((s) => {
    const rs = results.get(s)!;
    const sum = summarize(rate(s));
    const cells = [
      s,
      formatNumber(sum.median),
      formatSpread(sum.spread),
      ratioCell(rate(s), results.has('rpc-websockets') ? rate('rpc-websockets') : undefined),
      ratioCell(rate(s), results.has('ws-jsonrpc') ? rate('ws-jsonrpc') : undefined),
      ratioCell(rate(s), results.has('trpc') ? rate('trpc') : undefined),
      formatNumber(summarize(rs.map((r) => r.serverUsPerCall)).median),
      formatNumber(summarize(rs.map((r) => r.clientUsPerCall)).median),
    ];
    if (latency) cells.push(formatNumber(summarize(rs.map((r) => r.p50Us)).median), formatNumber(summarize(rs.map((r) => r.p99Us)).median));
    if (baselineDir !== undefined) cells.push(...baselineCells(s, results, (r) => r.serverUsPerCall));
    return cells;
  });
  const columns = [
    { header: 'system', align: 'left' as const },
    { header: 'calls/s' },
    { header: 'spread' },
    { header: 'vs rpc-websockets' },
    { header: 'vs bare ws' },
    { header: 'vs tRPC' },
    { header: 'server CPU µs/call' },
    { header: 'client CPU µs/call' },
  ];
  if (latency) columns.push({ header: 'p50 µs' }, { header: 'p99 µs' });
  if (baselineDir !== undefined) columns.push({ header: 'calls/s vs baseline' }, { header: 'server CPU/call vs baseline' });
  console.log(renderTable(columns, rows));
}

interface StreamRound {
  rate: number;
  minShare: number;
  fed: number;
  serverUsPerItem: number;
  clientUsPerItem: number;
  heapUsed: number;
}

/** Server stats, or null when the server's event loop does not answer (tRPC's stream loop never yields). */
async function statsOrNull(s: string): Promise<ProbeStats | null> {
  return Promise.race([serverOf(s).stats(), new Promise<null>((r) => setTimeout(() => r(null), 3000).unref())]).catch(() => null);
}

async function streamRound(s: string): Promise<StreamRound> {
  const connections = 8;
  const before = await statsOrNull(s);
  const r = await workers.get(s)!.ipc.call('stream', { ms });
  const after = await statsOrNull(s);
  const total = r.perStream.reduce((a, b) => a + b, 0);
  return {
    rate: total / r.seconds,
    minShare: Math.min(...r.perStream) / (total / connections || 1),
    fed: r.perStream.filter((n) => n > 0).length,
    serverUsPerItem: before === null || after === null ? Number.NaN : (cpuOf(after) - cpuOf(before)) / total,
    clientUsPerItem: r.clientCpuUs / total,
    heapUsed: after === null ? Number.NaN : after.heapUsed,
  };
}

async function streamScenario(list: string[]): Promise<Map<string, StreamRound[]>> {
  const fair = list.filter((s) => s !== 'trpc');
  for (const s of list) await open(s, 8);
  for (const s of fair) await workers.get(s)!.ipc.call('stream', { ms: 300 }); // warm-up
  const results = await alternateRounds<string, StreamRound>(fair, rounds, streamRound);
  if (list.includes('trpc')) {
    // tRPC's subscription loop never yields to the event loop: once started its
    // server spins (and stops answering) for good, so it gets one round, last,
    // and its server is stopped right after.
    results.set('trpc', [await streamRound('trpc')]);
    await serverOf('trpc').stop();
  }
  for (const s of fair) await workers.get(s)!.ipc.call('close', null);
  return results;
}

function printStreams(results: Map<string, StreamRound[]>): void {
  console.log('\n### Server streams: 8 connections, each consuming one endless stream\n');
  const rate = (s: string): number[] => results.get(s)!.map((r) => r.rate);
  const rows = [...results.keys()].map((s) => {
    const rs = results.get(s)!;
    const sum = summarize(rate(s));
    return [
      s,
      formatNumber(sum.median),
      formatSpread(sum.spread),
      ratioCell(rate(s), results.has('ws-jsonrpc') ? rate('ws-jsonrpc') : undefined),
      ratioCell(rate(s), results.has('trpc') ? rate('trpc') : undefined),
      `${Math.min(...rs.map((r) => r.fed))}/8`,
      formatNumber(Math.min(...rs.map((r) => r.minShare)), 2),
      formatNumber(summarize(rs.map((r) => r.serverUsPerItem)).median),
      formatNumber(summarize(rs.map((r) => r.clientUsPerItem)).median),
      formatBytes(Math.max(...rs.map((r) => r.heapUsed))),
      ...(baselineDir === undefined ? [] : baselineCells(s, results, (r) => r.serverUsPerItem)),
    ];
  });
  const vsBaseline = baselineDir === undefined ? [] : [{ header: 'items/s vs baseline' }, { header: 'server CPU/item vs baseline' }];
  console.log(
    renderTable(
      [
        { header: 'system', align: 'left' },
        { header: 'items/s' },
        { header: 'spread' },
        { header: 'vs hand-written ws' },
        { header: 'vs tRPC' },
        { header: 'streams fed' },
        { header: 'slowest/mean' },
        { header: 'server CPU µs/item' },
        { header: 'client CPU µs/item' },
        { header: 'server heap' },
        ...vsBaseline,
      ],
      rows,
    ),
  );
}

interface SlowRound {
  rate: number;
  /** Server heap + external memory after a full GC, during the round minus before it. */
  heldBytes: number;
  rss: number;
}

const retained = (st: ProbeStats): number => st.heapUsed + st.external;

async function slowScenario(list: string[]): Promise<Map<string, SlowRound[]>> {
  for (const s of list) await open(s, 8);
  const results = await alternateRounds(list, rounds, async (s) => {
    const server = serverOf(s);
    const worker = workers.get(s)!;
    await server.gc();
    const before = await server.stats();
    await worker.ipc.call('slowStart', null);
    await new Promise((r) => setTimeout(r, ms));
    await server.gc();
    const during = await server.stats();
    const r = await worker.ipc.call('slowStop', null);
    return { rate: r.items / r.seconds, heldBytes: retained(during) - retained(before), rss: during.rss };
  });
  for (const s of list) await workers.get(s)!.ipc.call('close', null);
  return results;
}

function printSlow(results: Map<string, SlowRound[]>): void {
  console.log('\n### Slow consumers: 8 connections, each reading one endless stream of 1 KiB items at about 1 item/ms\n');
  const rows = [...results.keys()].map((s) => {
    const rs = results.get(s)!;
    return [
      s,
      formatNumber(summarize(rs.map((r) => r.rate)).median),
      formatBytes(summarize(rs.map((r) => r.heldBytes)).median),
      formatBytes(Math.max(...rs.map((r) => r.heldBytes))),
      formatBytes(Math.max(...rs.map((r) => r.rss))),
    ];
  });
  console.log(
    renderTable(
      [
        { header: 'system', align: 'left' },
        { header: 'items/s read' },
        { header: 'server memory held (median)' },
        { header: 'held (max)' },
        { header: 'server RSS (max)' },
      ],
      rows,
    ),
  );
}

const ids = all.map((c) => c.id);
const streaming = all.filter(streams).map((c: Contestant) => c.id);
console.log(`## RPC benchmark\n\n${describeEnvironment()}; ${rounds} rounds of ${ms} ms per system, medians${gapMs > 0 ? `, ${gapMs} ms idle before each unary round` : ''}`);
if (baselineDir !== undefined) console.log(`baseline: zwire of ${baselineDir} (its own server and client), alternated with ours`);
await start();
try {
  if (only.has('unary')) printUnary('Unary calls: 64 connections × 16 calls in flight, greet', await unaryScenario(64, 16, false, ids), false);
  if (only.has('latency')) printUnary('Latency: 1 connection × 1 call in flight, greet', await unaryScenario(1, 1, true, ids), true);
  if (only.has('slow')) printSlow(await slowScenario(streaming.filter((s) => s !== 'trpc')));
  if (only.has('stream')) printStreams(await streamScenario(streaming));
} finally {
  await stop();
}

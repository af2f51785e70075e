import {
  CLIENT_CPU,
  SERVER_CPU,
  alternateRounds,
  spawnServer,
  spawnWorker,
  type ServerProcess,
  type Worker,
} from '../lib/index.js';
import type { LoadProtocol } from './protocol.js';
import type { ThroughputScenario } from './scenarios.js';
import type { ServerDef } from './servers.js';

/** One server's figures for one round. NaN when the server failed. */
export interface RoundFigures {
  msgsPerSec: number;
  serverCpuUsPerMsg: number;
  gcPer100k: number;
  /** Server CPU time over wall time (below 1 with an idle load generator: the server lost its CPU to other processes). */
  serverBusy: number;
  /** Load generator CPU time over wall time (near 1 = the generator was the bottleneck). */
  clientBusy: number;
}

/** All rounds of one server in one scenario. */
export interface ServerRun {
  def: ServerDef;
  rounds: RoundFigures[];
  error?: string;
}

/** Timing of a scenario run. */
export interface RunTiming {
  rounds: number;
  roundMs: number;
  warmupMs: number;
  /** Profile this server's measured rounds (not the warm-up) into `path` (.cpuprofile). */
  profile?: { serverId: string; path: string };
}

const FAILED: RoundFigures = { msgsPerSec: NaN, serverCpuUsPerMsg: NaN, gcPer100k: NaN, serverBusy: NaN, clientBusy: NaN };

interface Contestant {
  run: ServerRun;
  server?: ServerProcess;
  load?: Worker<LoadProtocol>;
}

async function start(def: ServerDef, sc: ThroughputScenario): Promise<Contestant> {
  const c: Contestant = { run: { def, rounds: [] } };
  try {
    c.server = await spawnServer({ name: def.id, script: def.script, env: def.env, cpu: SERVER_CPU });
    c.load = spawnWorker<LoadProtocol>({ name: `load-${def.id}`, script: 'bench/echo/load.ts', cpu: CLIENT_CPU });
    const shape = { connections: sc.connections, size: sc.size, text: sc.text, inflight: sc.inflight };
    await c.load.ipc.call('connect', { host: '127.0.0.1', port: c.server.port, ...shape });
  } catch (err) {
    c.run.error = (err as Error).message;
  }
  return c;
}

async function measure(c: Contestant, ms: number): Promise<RoundFigures> {
  if (!c.server || !c.load || c.run.error) return FAILED;
  try {
    const before = await c.server.stats();
    const r = await c.load.ipc.call('run', { ms }, ms + 60_000);
    const after = await c.server.stats();
    const cpuUs = after.cpuUserUs + after.cpuSystemUs - before.cpuUserUs - before.cpuSystemUs;
    return {
      msgsPerSec: (r.messages / r.windowMs) * 1000,
      serverCpuUsPerMsg: cpuUs / r.total,
      gcPer100k: ((after.gcCount - before.gcCount) / r.total) * 100_000,
      serverBusy: cpuUs / (r.elapsedMs * 1000),
      clientBusy: r.clientCpuUs / (r.elapsedMs * 1000),
    };
  } catch (err) {
    c.run.error = (err as Error).message;
    return FAILED;
  }
}

async function stop(c: Contestant): Promise<void> {
  await c.load?.stop();
  const code = await c.server?.stop();
  if (code !== undefined && code !== 0 && !c.run.error) c.run.error = `exited with code ${code} on SIGTERM`;
}

/**
 * Run a scenario: start every server (pinned to the server CPU) with its own
 * load generator (pinned to the client CPU), warm each up once, then measure
 * them in alternating rounds. Servers run one at a time; the others sit idle.
 */
export async function runThroughput(sc: ThroughputScenario, defs: ServerDef[], timing: RunTiming): Promise<ServerRun[]> {
  const contestants: Contestant[] = [];
  try {
    for (const def of defs) contestants.push(await start(def, sc));
    for (const c of contestants) await measure(c, timing.warmupMs);
    const profiled = contestants.find((c) => c.run.def.id === timing.profile?.serverId && c.server && !c.run.error);
    await profiled?.server?.startProfile();
    const results = await alternateRounds(contestants, timing.rounds, (c) => measure(c, timing.roundMs));
    if (profiled?.server && timing.profile) await profiled.server.stopProfile(timing.profile.path);
    for (const c of contestants) c.run.rounds = results.get(c) ?? [];
  } finally {
    await Promise.all(contestants.map(stop));
  }
  return contestants.map((c) => c.run);
}

import { join } from 'node:path';
import { CLIENT_CPU, ROOT, SERVER_CPU, alternateRounds, spawnWorker, type Worker } from '../lib/index.js';
import type { FanoutLoadProtocol } from './protocol.js';
import type { FanoutScenario } from './scenarios.js';
import { startServer, type FanoutServer, type FanoutServerDef } from './servers.js';

/** One server's figures for one round; NaN when it failed. */
export interface FanoutRound {
  deliveriesPerSec: number;
  serverCpuUsPerDelivery: number;
  /** Server CPU time over wall time. */
  serverBusy: number;
  /** Load generator CPU time over wall time (near 1: the generator was the limit). */
  clientBusy: number;
}

/** All rounds of one server in one scenario. */
export interface FanoutRun {
  def: FanoutServerDef;
  rounds: FanoutRound[];
  connectMs?: number;
  error?: string;
  /** A CPU profile of the server over the measured rounds (--profile). */
  profile?: string;
}

/** Timing of a scenario. */
export interface FanoutTiming {
  rounds: number;
  roundMs: number;
  warmupMs: number;
  /** Profile the Node servers that have a script (FanoutServerDef.script) over the measured rounds. */
  profile?: boolean;
}

const FAILED: FanoutRound = { deliveriesPerSec: NaN, serverCpuUsPerDelivery: NaN, serverBusy: NaN, clientBusy: NaN };

interface Contestant {
  run: FanoutRun;
  server?: FanoutServer;
  load?: Worker<FanoutLoadProtocol>;
}

async function start(def: FanoutServerDef, sc: FanoutScenario, profiled: boolean): Promise<Contestant> {
  const c: Contestant = { run: { def, rounds: [] } };
  try {
    c.server = await startServer(def, SERVER_CPU, profiled);
    c.load = spawnWorker<FanoutLoadProtocol>({ name: `load-${def.id}`, script: def.load, cpu: CLIENT_CPU });
    const shape = { clients: sc.clients, publishers: sc.publishers, inflight: sc.inflight, size: sc.size };
    const r = await c.load.ipc.call('connect', { host: '127.0.0.1', port: c.server.port, ...shape }, 300_000);
    c.run.connectMs = r.ms;
  } catch (err) {
    c.run.error = (err as Error).message;
  }
  return c;
}

async function measure(c: Contestant, ms: number): Promise<FanoutRound> {
  if (!c.server || !c.load || c.run.error) return FAILED;
  try {
    const before = c.server.cpuUs();
    const r = await c.load.ipc.call('run', { ms }, ms + 60_000);
    const cpuUs = c.server.cpuUs() - before;
    return {
      deliveriesPerSec: (r.deliveries / r.windowMs) * 1000,
      serverCpuUsPerDelivery: cpuUs / r.total,
      serverBusy: cpuUs / (r.elapsedMs * 1000),
      clientBusy: r.clientCpuUs / (r.elapsedMs * 1000),
    };
  } catch (err) {
    c.run.error = (err as Error).message;
    return FAILED;
  }
}

async function stop(c: Contestant): Promise<void> {
  await c.load?.ipc.call('close', null, 30_000).catch(() => null);
  await c.load?.stop();
  await c.server?.stop();
}

/**
 * Run a scenario: every server (pinned to the server CPU) with its own load
 * generator (pinned to the client CPU), connected before any is measured;
 * each warmed up once, then measured in alternating rounds, one at a time.
 */
export async function runFanout(sc: FanoutScenario, defs: FanoutServerDef[], timing: FanoutTiming): Promise<FanoutRun[]> {
  const contestants: Contestant[] = [];
  try {
    for (const def of defs) contestants.push(await start(def, sc, timing.profile === true));
    for (const c of contestants) await measure(c, timing.warmupMs);
    for (const c of contestants) await c.server?.profile?.start();
    const results = await alternateRounds(contestants, timing.rounds, (c) => measure(c, timing.roundMs));
    for (const c of contestants) c.run.rounds = results.get(c) ?? [];
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    for (const c of contestants) {
      const path = join(ROOT, 'bench/results', `fanout-${sc.id}-${c.run.def.id}-${stamp}.cpuprofile`);
      if (c.server?.profile !== undefined) c.run.profile = await c.server.profile.stop(path);
    }
  } finally {
    await Promise.all(contestants.map(stop));
  }
  return contestants.map((c) => c.run);
}

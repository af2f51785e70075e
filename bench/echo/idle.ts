import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CLIENT_CPU,
  SERVER_CPU,
  alternateRounds,
  heapByConstructor,
  renderHeapGrowth,
  spawnServer,
  spawnWorker,
  type ProbeStats,
} from '../lib/index.js';
import type { LoadProtocol } from './protocol.js';
import type { ServerDef } from './servers.js';

/** Memory one idle connection costs a server, in bytes, from one round. */
export interface IdleFigures {
  rssPerConn: number;
  heapPerConn: number;
  /** Buffers outside the V8 heap (memoryUsage().external). */
  externalPerConn: number;
  /** Growth of V8's young generation (new space, resident), which V8 keeps until its memory reducer runs. */
  youngPerConn: number;
  /** RSS growth once the connections sat idle until V8's memory reducer gave the young generation back. */
  settledRssPerConn: number;
  /** How long that took, in ms (the wait gives up at SETTLE_LIMIT_MS). */
  settleMs: number;
  /** The whole process's RSS over the connections, right after connecting (start-up memory included). */
  processRssPerConn: number;
  /** The same once idle. */
  settledProcessRssPerConn: number;
}

/** All rounds of one server. */
export interface IdleRun {
  def: ServerDef;
  rounds: IdleFigures[];
  error?: string;
  /** With a heap directory: what grew on the V8 heap per connection in the first round (Markdown table). */
  heapGrowth?: string;
}

const FAILED: IdleFigures = { rssPerConn: NaN, heapPerConn: NaN, externalPerConn: NaN, youngPerConn: NaN, settledRssPerConn: NaN, settleMs: NaN, processRssPerConn: NaN, settledProcessRssPerConn: NaN };

/** V8's memory reducer runs about 8 s after the last full GC of a process that stopped allocating. */
const SETTLE_LIMIT_MS = 20_000;
const NEW_SPACE = 'new_space';

/** V8 starts the young generation at 1 MiB per semi-space and its memory reducer shrinks it back to that. */
const YOUNG_IDLE = 1024 * 1024;

/**
 * Wait until V8 has shrunk the young generation back to its initial size (what
 * a process that stopped allocating settles at), or until SETTLE_LIMIT_MS.
 * Returns the time waited.
 */
async function waitForMemoryReducer(server: { stats(): Promise<ProbeStats> }): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < SETTLE_LIMIT_MS) {
    const young = (await server.stats()).spaces[NEW_SPACE];
    if (young <= YOUNG_IDLE) break;
    await sleep(500);
  }
  return performance.now() - started;
}

/**
 * Each round starts every server afresh with --expose-gc, reads its memory
 * after a forced GC, opens `connections` connections that each echo one
 * 32-byte message and then sit idle, forces GC again and reads the growth;
 * then it waits for V8's memory reducer to give back the young generation the
 * connections' arrival grew (see waitForMemoryReducer), forces GC and reads again.
 * With `heapDir`, an extra first round writes heap snapshots before and after
 * and reports which kinds of objects grew; its figures are dropped, because
 * writing a snapshot grows the process's RSS.
 */
export async function runIdle(defs: ServerDef[], connections: number, rounds: number, heapDir?: string): Promise<IdleRun[]> {
  const runs = new Map(defs.map((def) => [def, { def, rounds: [] } as IdleRun]));
  const load = spawnWorker<LoadProtocol>({ name: 'load-idle', script: 'bench/echo/load.ts', cpu: CLIENT_CPU });
  const settle = async (server: { gc(): Promise<boolean>; stats(): Promise<ProbeStats> }): Promise<ProbeStats> => {
    if (!(await server.gc())) throw new Error('gc() not exposed');
    await sleep(200);
    await server.gc();
    return server.stats();
  };
  try {
    const extra = heapDir ? 1 : 0;
    const results = await alternateRounds(defs, rounds + extra, async (def, round): Promise<IdleFigures> => {
      const run = runs.get(def)!;
      if (run.error) return FAILED;
      const server = await spawnServer({ name: def.id, script: def.script, env: def.env, nodeArgs: ['--expose-gc'], cpu: SERVER_CPU }).catch(
        (err: Error) => {
          run.error = err.message;
          return null;
        },
      );
      if (!server) return FAILED;
      try {
        await waitForMemoryReducer(server);
        const before = await settle(server);
        const snapshots = heapDir && round === 0 ? [join(heapDir, `${def.id}-before.heapsnapshot`), join(heapDir, `${def.id}-after.heapsnapshot`)] : null;
        if (snapshots) await server.heapSnapshot(snapshots[0]);
        await load.ipc.call('connect', { host: '127.0.0.1', port: server.port, connections, size: 32, text: false, inflight: 1 }, 120_000);
        const after = await settle(server);
        if (snapshots) {
          await server.heapSnapshot(snapshots[1]);
          run.heapGrowth = renderHeapGrowth(await heapByConstructor(snapshots[0]), await heapByConstructor(snapshots[1]), connections);
        }
        const settleMs = await waitForMemoryReducer(server);
        const settled = await settle(server);
        await load.ipc.call('close', null);
        return {
          rssPerConn: (after.rss - before.rss) / connections,
          heapPerConn: (after.heapUsed - before.heapUsed) / connections,
          externalPerConn: (after.external - before.external) / connections,
          youngPerConn: (after.spaces[NEW_SPACE] - before.spaces[NEW_SPACE]) / connections,
          settledRssPerConn: (settled.rss - before.rss) / connections,
          settleMs,
          processRssPerConn: after.rss / connections,
          settledProcessRssPerConn: settled.rss / connections,
        };
      } catch (err) {
        run.error = (err as Error).message;
        return FAILED;
      } finally {
        const code = await server.stop();
        if (code !== 0 && !run.error) run.error = `exited with code ${code} on SIGTERM`;
      }
    });
    for (const [def, figures] of results) runs.get(def)!.rounds = figures.slice(extra);
  } finally {
    await load.stop();
  }
  return [...runs.values()];
}

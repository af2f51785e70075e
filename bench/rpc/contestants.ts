// Who runs in bench/rpc.ts: each system with its server script and load
// generator, plus, with --baseline=<dir>, zwire's server and client of another
// checkout (an older commit in a git worktree) beside ours in the same run.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { System } from './protocol.js';

/** One column of the benchmark: a server and the client that loads it. */
export interface Contestant {
  /** Row label; the system's name, or `baseline-<codec>` for the other checkout's zwire. */
  id: string;
  /** What the load generator opens (its own zwire client for a baseline). */
  system: System;
  server: string;
  load: string;
  /** For a baseline row: the id of our row it is compared with. */
  baselineOf?: string;
}

const OURS: Record<System, string> = {
  'zwire-msgpack': 'bench/rpc/zwire-server.ts',
  'zwire-json': 'bench/rpc/zwire-server.ts',
  'rpc-websockets': 'bench/rpc/rpcws-server.ts',
  'ws-jsonrpc': 'bench/rpc/ws-server.ts',
  trpc: 'bench/rpc/trpc-server.ts',
};

const LOAD = 'bench/rpc/load.ts';

/**
 * Our systems, then, when `baselineDir` is given, that checkout's zwire for
 * each zwire system listed. A baseline runs its own server and its own load
 * generator (bench/rpc/load.ts there), so client and server speak the same
 * protocol version; its server CPU per call is what compares.
 */
export function contestants(systems: readonly System[], baselineDir: string | undefined): Contestant[] {
  const list: Contestant[] = systems.map((s) => ({ id: s, system: s, server: OURS[s], load: LOAD }));
  if (baselineDir === undefined) return list;
  const dir = resolve(baselineDir);
  const server = join(dir, OURS['zwire-msgpack']);
  const load = join(dir, LOAD);
  for (const path of [server, load]) {
    if (!existsSync(path)) throw new Error(`--baseline: ${path} not found (the directory must be a zwire checkout with bench/rpc/)`);
  }
  if (!existsSync(join(dir, 'node_modules'))) {
    throw new Error(`--baseline: ${dir}/node_modules is missing (ln -s ${resolve('node_modules')} ${dir}/node_modules)`);
  }
  for (const s of systems) {
    if (s === 'zwire-msgpack' || s === 'zwire-json') {
      list.push({ id: s.replace('zwire', 'baseline'), system: s, server, load, baselineOf: s });
    }
  }
  return list;
}

/** Whether a contestant serves streams (tRPC's only in a round of its own). */
export function streams(c: Contestant): boolean {
  return c.system !== 'rpc-websockets';
}

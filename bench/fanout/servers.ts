import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, pinned, procCpuUs, spawnServer, stopChild, waitListening } from '../lib/index.js';

/** A fan-out server under test and the load generator that speaks its protocol. */
export interface FanoutServerDef {
  id: string;
  label: string;
  /** Command line after pinning; scripts relative to the repository root. */
  command: string[];
  /** Files that must exist for it to run (its script, Bun's binary). */
  needs: string[];
  /** Load generator script. */
  load: string;
  /** A Node server's script (relative to the repository root or absolute): it can be profiled. */
  script?: string;
  /** For another checkout's zwire (--baseline): the id of our server it is compared with. */
  baselineOf?: string;
}

const node = (script: string): string[] => [process.execPath, '--import', 'tsx', script];
const RAW_LOAD = 'bench/fanout/load.ts';
const ZWIRE = 'bench/fanout/zwire-server.ts';
const ZWIRE_RPC = 'bench/fanout/zwire-rpc-server.ts';
const ZWIRE_RPC_LOAD = 'bench/fanout/zwire-rpc-load.ts';

/** Ours, the peers and the reference, by id. */
export const FANOUT_SERVERS: Record<string, FanoutServerDef> = {
  zwire: { id: 'zwire', label: 'zwire message-layer topics', command: node(ZWIRE), script: ZWIRE, needs: [], load: RAW_LOAD },
  ws: { id: 'ws', label: 'ws, loop over clients', command: node('bench/fanout/ws-server.ts'), needs: [], load: RAW_LOAD },
  bun: {
    id: 'bun',
    label: 'Bun native topics',
    command: ['node_modules/.bin/bun', 'bench/fanout/bun-server.mjs'],
    needs: ['node_modules/.bin/bun'],
    load: RAW_LOAD,
  },
  batched: {
    id: 'batched',
    label: 'hand-written Node, one write per socket per turn',
    command: node('bench/fanout/batched-server.ts'),
    needs: [],
    load: RAW_LOAD,
  },
  socketio: {
    id: 'socketio',
    label: 'Socket.IO 4.8 rooms',
    command: node('bench/fanout/socketio-server.ts'),
    needs: [],
    load: 'bench/fanout/socketio-load.ts',
  },
  // The typed RPC topics: a server publishing through zwire/rpc topics and a raw-socket load
  // generator speaking the msgpack RPC subprotocol (Subscribe, Publish requests, publication envelopes).
  'zwire-rpc': {
    id: 'zwire-rpc',
    label: 'zwire typed RPC topics',
    command: node(ZWIRE_RPC),
    script: ZWIRE_RPC,
    needs: [ZWIRE_RPC, ZWIRE_RPC_LOAD],
    load: ZWIRE_RPC_LOAD,
  },
};

/**
 * zwire's servers of another checkout (an older commit in a git worktree,
 * node_modules linked), each with that checkout's load generator, by the id
 * of ours they are compared with: `baseline-zwire`, `baseline-zwire-rpc`.
 */
export function baselineServers(dir: string): FanoutServerDef[] {
  const root = resolve(dir);
  if (!existsSync(join(root, 'node_modules'))) throw new Error(`--baseline: ${root}/node_modules is missing (ln -s ${resolve(ROOT, 'node_modules')} ${root}/node_modules)`);
  return ['zwire', 'zwire-rpc'].map((id) => {
    const ours = FANOUT_SERVERS[id];
    const script = join(root, ours.script as string);
    const load = join(root, ours.load);
    return { id: `baseline-${id}`, label: `baseline: ${ours.label}`, command: node(script), script, needs: [script, load], load, baselineOf: id };
  });
}

/** Whether everything the server needs is there. */
export function isAvailable(def: FanoutServerDef): boolean {
  return def.needs.every((file) => existsSync(resolve(ROOT, file)));
}

/** A running server process. */
export interface FanoutServer {
  port: number;
  child: ChildProcess;
  /** User + system CPU time of the whole process so far, µs (from /proc; NaN where there is none). */
  cpuUs(): number;
  stop(): Promise<number | null>;
  /** CPU profiling from inside the server (started with `profiled`). */
  profile?: { start(): Promise<null>; stop(path: string): Promise<string> };
}

/**
 * Start a server pinned to `cpu` with PORT=0, HOST=127.0.0.1 and wait for its
 * `listening <port>` line. taskset execs the server, so the pid is the server's.
 * `profiled`: a Node server runs with bench/lib's probe, so it can be profiled.
 */
export async function startServer(def: FanoutServerDef, cpu: number, profiled = false): Promise<FanoutServer> {
  if (profiled && def.script !== undefined) {
    const server = await spawnServer({ name: def.id, script: def.script, cpu });
    return {
      port: server.port,
      child: server.child,
      cpuUs: () => procCpuUs(server.child.pid),
      stop: () => server.stop(),
      profile: { start: () => server.startProfile(), stop: (path) => server.stopProfile(path) },
    };
  }
  const argv = pinned(def.command, cpu);
  const child = spawn(argv[0], argv.slice(1), {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await waitListening(child, def.id);
  return { port, child, cpuUs: () => procCpuUs(child.pid), stop: () => stopChild(child) };
}

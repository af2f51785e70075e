import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import { IpcClient, type Protocol } from './ipc.js';
import { pinned } from './pin.js';
import type { ProbeProtocol, ProbeStats } from './probe.js';

/** The repository root (bench/lib/../..). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const PROBE = pathToFileURL(fileURLToPath(new URL('./probe.ts', import.meta.url))).href;

/** How to start a benchmark child process. */
export interface SpawnOptions {
  /** Label for logs and errors. */
  name: string;
  /** Script to run with `node --import tsx`, relative to the repository root or absolute. */
  script: string;
  args?: readonly string[];
  /** Added to the parent's environment. */
  env?: Readonly<Record<string, string>>;
  /** Extra node flags, e.g. --expose-gc or --cpu-prof. */
  nodeArgs?: readonly string[];
  /** Pin to this CPU with taskset when available. */
  cpu?: number;
}

/** Stop a child: SIGTERM, then SIGKILL after `graceMs`. Resolves with the exit code (null when killed). */
export function stopChild(child: ChildProcess, graceMs = 5_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolveExit) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveExit(code);
    });
    child.kill('SIGTERM');
  });
}

function spawnNode(opts: SpawnOptions, extraNodeArgs: readonly string[]): ChildProcess {
  const script = isAbsolute(opts.script) ? opts.script : resolve(ROOT, opts.script);
  const argv = pinned(
    [process.execPath, '--import', 'tsx', ...extraNodeArgs, ...(opts.nodeArgs ?? []), script, ...(opts.args ?? [])],
    opts.cpu,
  );
  return spawn(argv[0], argv.slice(1), {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
}

/**
 * A child process that answers requests of protocol P over IPC (a load
 * generator or client written for a benchmark; it calls serveIpc()).
 */
export class Worker<P extends Protocol> {
  readonly ipc: IpcClient<P>;
  constructor(readonly name: string, readonly child: ChildProcess) {
    this.ipc = new IpcClient<P>(child, name);
    createInterface({ input: child.stdout! }).on('line', (line) => console.error(`[${name}] ${line}`));
  }

  /** Stop the process (SIGTERM, then SIGKILL). */
  stop(): Promise<number | null> {
    return stopChild(this.child);
  }
}

/** Start a worker process; it must call serveIpc() from bench/lib/ipc.ts. */
export function spawnWorker<P extends Protocol>(opts: SpawnOptions): Worker<P> {
  return new Worker<P>(opts.name, spawnNode(opts, []));
}

/**
 * A server process following the examples' convention (`PORT` and `HOST` env,
 * prints `listening <port>` when ready), with bench/lib/probe.ts injected so
 * it reports its CPU time, memory and GC runs over IPC.
 */
export class ServerProcess {
  readonly #probe: IpcClient<ProbeProtocol>;
  constructor(readonly name: string, readonly child: ChildProcess, readonly port: number) {
    this.#probe = new IpcClient<ProbeProtocol>(child, name);
  }

  /** Cumulative counters of the server process. */
  stats(): Promise<ProbeStats> {
    return this.#probe.call('stats', null, 10_000);
  }

  /** Force a full GC (the server must run with --expose-gc); false when gc is not exposed. */
  gc(): Promise<boolean> {
    return this.#probe.call('gc', null, 30_000);
  }

  /** Counters after two full GCs 200 ms apart (the server must run with --expose-gc): what it holds, not what waits for collection. */
  async statsAfterGc(): Promise<ProbeStats> {
    if (!(await this.gc())) throw new Error(`${this.name}: gc() not exposed (start it with --expose-gc)`);
    await new Promise((r) => setTimeout(r, 200));
    await this.gc();
    return this.stats();
  }

  /** Start sampling the server's main thread (every `intervalUs` µs). */
  startProfile(intervalUs = 250): Promise<null> {
    return this.#probe.call('profileStart', intervalUs);
  }

  /** Stop sampling and write the profile, positions mapped to the TypeScript sources, to `path`. */
  stopProfile(path: string): Promise<string> {
    return this.#probe.call('profileStop', path, 60_000);
  }

  /** Write a heap snapshot of the server to `path` (blocks the server while it runs). */
  heapSnapshot(path: string): Promise<string> {
    return this.#probe.call('heapSnapshot', path, 120_000);
  }

  /** Stop the server (SIGTERM, then SIGKILL); resolves with its exit code. */
  stop(): Promise<number | null> {
    return stopChild(this.child);
  }
}

/**
 * Start a server on an ephemeral port (PORT=0 unless opts.env sets it) and
 * wait until it prints `listening <port>`.
 */
export function spawnServer(opts: SpawnOptions, readyTimeoutMs = 20_000): Promise<ServerProcess> {
  const child = spawnNode({ ...opts, env: { PORT: '0', HOST: '127.0.0.1', ...opts.env } }, ['--import', PROBE]);
  return waitListening(child, opts.name, readyTimeoutMs).then((port) => new ServerProcess(opts.name, child, port));
}

/**
 * Wait until a server child prints `listening <port>` on stdout (its other
 * lines go to stderr, prefixed with `name`); resolves with the port. The child
 * is killed when it exits first or stays silent for `readyTimeoutMs`.
 */
export function waitListening(child: ChildProcess, name: string, readyTimeoutMs = 20_000): Promise<number> {
  const lines = createInterface({ input: child.stdout! });
  return new Promise<number>((resolveReady, reject) => {
    let ready = false;
    const fail = (why: string): void => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${name}: ${why}`));
    };
    const timer = setTimeout(() => fail(`no "listening <port>" line within ${readyTimeoutMs} ms`), readyTimeoutMs);
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code, signal) => fail(`exited before listening (code ${code}, signal ${signal})`));
    lines.on('line', (line) => {
      const match = /^listening (\d+)/.exec(line);
      if (ready || !match) {
        console.error(`[${name}] ${line}`);
        return;
      }
      ready = true;
      clearTimeout(timer);
      resolveReady(Number(match[1]));
    });
  });
}

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinned, procCpuUs, stopChild } from '../lib/index.js';

/** A redis-server of the benchmark's own: a unix socket in a temp dir, no persistence, pinned to `cpu`. */
export class BenchRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'zwire-bench-redis-'));
  readonly socketPath = join(this.dir, 'redis.sock');
  private child: ChildProcess | null = null;

  async start(cpu: number): Promise<void> {
    const argv = pinned(['redis-server', '--port', '0', '--unixsocket', this.socketPath, '--save', '', '--appendonly', 'no', '--dir', this.dir], cpu);
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (!/ready to accept connections/i.test(out)) return;
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolve();
      });
    });
  }

  /** Its CPU time so far (user + system, all threads), µs, from /proc (taskset execs it: the pid is the server's). */
  cpuUs(): number {
    return procCpuUs(this.child?.pid);
  }

  async stop(): Promise<void> {
    if (this.child !== null) await stopChild(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

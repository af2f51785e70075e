/**
 * A real redis-server per test file: on a unix socket in a temp dir, without
 * persistence (so a restart loses every key, like a Redis without disk), and
 * stopped by its PID.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe } from 'vitest';

/** Whether `redis-server` is on PATH. */
export const hasRedisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** `describe` for a file that needs redis-server: without one it is skipped, its one line saying how to get it. */
export function describeWithRedis(name: string, body: () => void): void {
  if (hasRedisServer) describe(name, body);
  else describe.skip(`${name} (skipped: no redis-server on PATH; apt-get install redis-server)`, body);
}

export class RedisServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'zwire-redis-'));
  readonly socketPath = join(this.dir, 'redis.sock');
  private child: ChildProcess | null = null;

  /** Without `port`: on a unix socket only. With it: on 127.0.0.1:port, with `args` (a cluster node). */
  constructor(private readonly tcp?: { port: number; args: string[] }) {}

  /** The running server's PID. */
  get pid(): number {
    const pid = this.child?.pid;
    if (pid === undefined) throw new Error('redis-server is not running');
    return pid;
  }

  /** Starts it (again, on the same socket; `extra` arguments override the defaults) and resolves once it accepts connections. */
  async start(extra: string[] = []): Promise<void> {
    const listen =
      this.tcp === undefined
        ? ['--port', '0', '--unixsocket', this.socketPath]
        : ['--port', String(this.tcp.port), '--bind', '127.0.0.1', ...this.tcp.args];
    const child = spawn('redis-server', [...listen, '--save', '', '--appendonly', 'no', '--dir', this.dir, ...extra], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`redis-server did not start: ${out}`));
      }, 10_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (/ready to accept connections/i.test(out)) {
          clearTimeout(timer);
          child.stdout?.removeAllListeners('data');
          child.stdout?.resume();
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${out}`));
      });
    });
  }

  /** Kills it by PID (SIGKILL: no goodbye to its clients) and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(this.pid, 'SIGKILL');
    await exited;
    this.child = null;
  }

  /** Pauses it (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void {
    process.kill(this.pid, 'SIGSTOP');
  }

  resume(): void {
    process.kill(this.pid, 'SIGCONT');
  }

  /** Stops it and removes its directory. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function adminClient(socketPath: string) {
  return createClient({ socket: { path: socketPath, tls: false } });
}

/** A plain node-redis client, for a test to inspect and configure its Redis. */
export type AdminClient = ReturnType<typeof adminClient>;

/**
 * A redis-server started before the enclosing describe's tests and stopped
 * after them, and an admin client on it (which reconnects by itself if a
 * test restarts the server).
 */
export function serverWithAdmin(): { server: RedisServer; admin: AdminClient } {
  const server = new RedisServer();
  const admin = adminClient(server.socketPath);
  admin.on('error', () => undefined);
  beforeAll(async () => {
    await server.start();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.close();
    await server.stop();
  });
  return { server, admin };
}

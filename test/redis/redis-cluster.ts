/**
 * A real Redis Cluster per test file: three redis-server masters on
 * 127.0.0.1 (a cluster needs TCP: its nodes talk on port + 10000), joined with
 * `redis-cli --cluster create`, each stopped by its PID.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { RedisServer } from './redis-server.js';

const run = promisify(execFile);

/** Whether `port` can be listened on at 127.0.0.1 now. */
function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port whose cluster bus port (+10000) is free too. */
async function clusterPort(taken: number[]): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (!taken.includes(port) && (await free(port)) && (await free(port + 10_000))) return port;
  }
}

export class RedisCluster {
  private constructor(
    readonly ports: number[],
    readonly nodes: RedisServer[],
  ) {}

  /** Starts three masters and joins them into one cluster covering every slot. */
  static async start(): Promise<RedisCluster> {
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) ports.push(await clusterPort(ports));
    const nodes = ports.map(
      (port) =>
        new RedisServer({
          port,
          // A dead master's slots fail alone, the others' go on; and it is declared dead after 1 s, not 15.
          args: ['--cluster-enabled', 'yes', '--cluster-node-timeout', '1000', '--cluster-require-full-coverage', 'no'],
        }),
    );
    await Promise.all(nodes.map((n) => n.start()));
    const cluster = new RedisCluster(ports, nodes);
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    await cluster.untilOk();
    return cluster;
  }

  get urls(): string[] {
    return this.ports.map((p) => `redis://127.0.0.1:${p}`);
  }

  /** Waits until every node says the cluster is ok. */
  async untilOk(ms = 20_000): Promise<void> {
    const end = Date.now() + ms;
    for (;;) {
      const infos = await Promise.all(
        this.ports.map((p) => run('redis-cli', ['-p', String(p), 'cluster', 'info']).then((r) => r.stdout, () => '')),
      );
      if (infos.every((i) => i.includes('cluster_state:ok'))) return;
      if (Date.now() > end) throw new Error('the cluster did not become ok in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}

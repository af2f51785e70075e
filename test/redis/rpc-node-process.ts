/** The parent's handle on an RPC node process (rpc-node.ts): its URL, publishes over IPC, stopped or killed by PID. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Outcome, PublishRequest } from './rpc-node.js';

type Reply = { port: number } | { id: number; out: Outcome[] };

const script = fileURLToPath(new URL('./rpc-node.ts', import.meta.url));

export class RpcNode {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: Outcome[]) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly child: ChildProcess,
    /** ws://127.0.0.1:<port>/ */
    readonly url: string,
  ) {
    child.on('message', (reply: Reply) => {
      if (!('id' in reply)) return;
      this.pending.get(reply.id)?.resolve(reply.out);
      this.pending.delete(reply.id);
    });
    child.on('exit', () => {
      for (const p of this.pending.values()) p.reject(new Error('node process exited'));
      this.pending.clear();
    });
  }

  /** Starts a node on the Redis at `socketPath` and resolves once it listens. */
  static async start(socketPath: string, presenceTtlMs: number): Promise<RpcNode> {
    const child = fork(script, [socketPath, String(presenceTtlMs)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve(m.port));
      child.once('exit', (code) => reject(new Error(`node process exited with ${code}`)));
    });
    return new RpcNode(child, `ws://127.0.0.1:${port}/`);
  }

  /** The node publishes these texts on feed/key with server.publish, one after the other; resolves with each outcome. */
  publish(key: string, texts: string[], intervalMs = 0): Promise<Outcome[]> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, key, texts, intervalMs } satisfies PublishRequest);
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Kills it by PID with SIGKILL: its connections drop, nothing is said to Redis. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    process.kill(this.child.pid as number, 'SIGKILL');
    await exited;
  }

  /** Lets it close its server and exit; killed if it takes longer than 5 s. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => void this.kill(), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** The parent's handle on a node process (engine-node.ts): requests over IPC, stopped or killed by PID. */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PublishOutcome, Recorded, Request } from './engine-node.js';

type Reply = { id: number; value?: unknown; error?: string } | { ready: true };
type Body<R> = R extends Request ? Omit<R, 'id'> : never;

const script = fileURLToPath(new URL('./engine-node.ts', import.meta.url));

export class NodeProcess {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: Reply) => {
      if ('ready' in reply) return;
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error !== undefined) p?.reject(new Error(reply.error));
      else p?.resolve(reply.value);
    });
    child.on('exit', () => {
      for (const p of this.pending.values()) p.reject(new Error('node process exited'));
      this.pending.clear();
    });
  }

  /** Starts a node process with its engine on the Redis at `socketPath`. */
  static async start(socketPath: string, presenceTtlMs: number): Promise<NodeProcess> {
    const child = fork(script, [socketPath, String(presenceTtlMs)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`node process exited with ${code}`)));
    });
    return new NodeProcess(child);
  }

  private request<T>(body: Body<Request>): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ ...body, id });
    });
  }

  subscribe(channel: string): Promise<void> {
    return this.request({ op: 'subscribe', channel });
  }

  /** Publishes all at once (concurrently) and returns each one's outcome. */
  publishAll(items: { channel: string; text: string }[]): Promise<PublishOutcome[]> {
    return this.request({ op: 'publishAll', items });
  }

  /** Publishes `count` messages one after the other, `intervalMs` apart. */
  traffic(channel: string, prefix: string, count: number, intervalMs: number): Promise<PublishOutcome[]> {
    return this.request({ op: 'traffic', channel, prefix, count, intervalMs });
  }

  addPresence(channel: string, clientId: string): Promise<void> {
    return this.request({ op: 'addPresence', channel, clientId });
  }

  presence(channel: string): Promise<string[]> {
    return this.request({ op: 'presence', channel });
  }

  history(channel: string, epoch: string): Promise<{ offset: number; text: string }[]> {
    return this.request({ op: 'history', channel, epoch });
  }

  /** Stops the process (SIGSTOP): it reads nothing until resumed. */
  pause(): void {
    process.kill(this.child.pid as number, 'SIGSTOP');
  }

  resume(): void {
    process.kill(this.child.pid as number, 'SIGCONT');
  }

  recorded(): Promise<Recorded> {
    return this.request({ op: 'recorded' });
  }

  /** Kills it by PID with SIGKILL: no goodbye to Redis. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    process.kill(this.child.pid as number, 'SIGKILL');
    await exited;
  }

  /** Lets it close its engine and exit; killed if it takes longer than 5 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => void this.kill(), 5000);
    await exited;
    clearTimeout(timer);
  }
}

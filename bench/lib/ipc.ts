import type { ChildProcess } from 'node:child_process';

/**
 * A request/response protocol: for each request type, its argument and its
 * result. Declare protocols with `type X = {...}` (a type alias), not an
 * interface, so they satisfy this index signature.
 */
export type Protocol = Record<string, { arg: unknown; result: unknown }>;

/** The child's implementation of a protocol. */
export type Handlers<P extends Protocol> = {
  [K in keyof P]: (arg: P[K]['arg']) => P[K]['result'] | Promise<P[K]['result']>;
};

interface Request {
  ipcId: number;
  type: string;
  arg: unknown;
}

interface Reply {
  ipcId: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

function isReply(value: unknown): value is Reply {
  return typeof value === 'object' && value !== null && typeof (value as Reply).ipcId === 'number' && 'ok' in value;
}

function isRequest(value: unknown): value is Request {
  return typeof value === 'object' && value !== null && typeof (value as Request).ipcId === 'number' && typeof (value as Request).type === 'string';
}

/** Error raised in the parent when the child's handler failed or the child went away. */
export class IpcError extends Error {
  readonly code: string;
  constructor(code: 'ERR_IPC_REMOTE' | 'ERR_IPC_EXIT' | 'ERR_IPC_TIMEOUT', message: string) {
    super(message);
    this.name = 'IpcError';
    this.code = code;
  }
}

/** Parent side: calls the handlers a child registered with serveIpc(). */
export class IpcClient<P extends Protocol> {
  #nextId = 1;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();

  constructor(private readonly child: ChildProcess, private readonly label: string) {
    child.on('message', (msg: unknown) => {
      if (!isReply(msg)) return;
      const pending = this.#pending.get(msg.ipcId);
      if (!pending) return;
      this.#pending.delete(msg.ipcId);
      clearTimeout(pending.timer);
      if (msg.ok) pending.resolve(msg.result);
      else pending.reject(new IpcError('ERR_IPC_REMOTE', `${label}: ${msg.error ?? 'failed'}`));
    });
    child.on('exit', (code, signal) => {
      for (const [id, pending] of this.#pending) {
        this.#pending.delete(id);
        clearTimeout(pending.timer);
        pending.reject(new IpcError('ERR_IPC_EXIT', `${label} exited (code ${code}, signal ${signal}) during a call`));
      }
    });
  }

  /** Send a request and wait for its result. */
  call<K extends keyof P & string>(type: K, arg: P[K]['arg'], timeoutMs = 60_000): Promise<P[K]['result']> {
    const ipcId = this.#nextId++;
    return new Promise<P[K]['result']>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(ipcId);
        reject(new IpcError('ERR_IPC_TIMEOUT', `${this.label}: ${type} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(ipcId, { resolve: resolve as (v: unknown) => void, reject, timer });
      const request: Request = { ipcId, type, arg };
      this.child.send(request, (err) => {
        if (!err) return;
        this.#pending.delete(ipcId);
        clearTimeout(timer);
        reject(new IpcError('ERR_IPC_EXIT', `${this.label}: cannot send ${type}: ${err.message}`));
      });
    });
  }
}

/**
 * Child side: answer the parent's requests. With `unref`, the IPC channel does
 * not keep the process alive (for probes injected into servers that must exit
 * on their own terms).
 */
export function serveIpc<P extends Protocol>(handlers: Handlers<P>, opts: { unref?: boolean } = {}): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('serveIpc: this process has no IPC channel');
  process.on('message', (msg: unknown) => {
    if (!isRequest(msg)) return;
    const handler = (handlers as Record<string, ((arg: unknown) => unknown) | undefined>)[msg.type];
    const reply = (r: Omit<Reply, 'ipcId'>): void => {
      if (process.connected) send({ ipcId: msg.ipcId, ...r });
    };
    if (!handler) {
      reply({ ok: false, error: `unknown request ${msg.type}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(msg.arg))
      .then(
        (result) => reply({ ok: true, result }),
        (err: unknown) => reply({ ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }),
      );
  });
  if (opts.unref) process.channel?.unref();
}

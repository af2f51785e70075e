import type { CallMeta } from '../rpc/codec.js';
import { isErrorCode, RpcError } from '../rpc/errors.js';
import type { MethodInfo } from '../rpc/service.js';
import type { CallOptions } from './rpc-types.js';

/** What the connection manager needs from every outstanding call, stream or notification. */
export interface Pending {
  /** Wire id; 0 for notifications. */
  readonly id: number;
  /** Epoch ms after which the call fails with TIMEOUT; 0 = never. */
  readonly deadline: number;
  settled: boolean;
  /** Sends the opening envelope on the current connection; returns true if answers are expected. */
  start(): boolean;
  /** An envelope for this id arrived. */
  onMessage(env: unknown[]): void;
  /** Ends the call with an error (timeout, abort, disconnect, client closed). */
  fail(err: RpcError): void;
  /** The connection dropped; return true to be started again after the reconnect. */
  lost(): boolean;
}

/** The part of the client core a call uses. */
export interface CallHost {
  readonly validateResponses: boolean;
  /** Sends an envelope on the current connection; false (and the call failed) if it cannot. */
  send(p: Pending, data: string | Uint8Array): boolean;
  /** Removes a settled call from the tables; `cancel` also tells the server. */
  forget(p: Pending, cancel: boolean): void;
}

/** Builds the RpcError an Error envelope carries: [12, id, code, message, data?]. */
export function errorFromEnvelope(env: unknown[]): RpcError {
  const code = env[2];
  const message = typeof env[3] === 'string' ? env[3] : 'error';
  if (isErrorCode(code)) return new RpcError(code, message, env[4]);
  // not a code at all: keep it visible without inventing one
  return new RpcError('INTERNAL', `${String(code)}: ${message}`, env[4]);
}

/** Validates a value from the server against the method's schema (when the client validates). */
export function checkResponse(host: CallHost, info: MethodInfo, value: unknown, what: string): unknown {
  if (!host.validateResponses || info.output === null) return value;
  const r = info.output.safeParse(value);
  if (r.success) return r.data;
  throw new RpcError('INVALID_OUTPUT', `${info.name}: ${what} from the server failed validation`, { issues: r.error.issues });
}

/** Common bookkeeping: deadline and AbortSignal of one call. */
export abstract class BaseCall implements Pending {
  settled = false;
  readonly deadline: number;
  protected readonly meta: CallMeta | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort: (() => void) | undefined;

  constructor(
    protected readonly host: CallHost,
    readonly id: number,
    readonly info: MethodInfo,
    options: CallOptions | undefined,
    defaultTimeoutMs: number,
  ) {
    const timeout = options?.timeoutMs ?? defaultTimeoutMs;
    this.meta = options?.meta;
    this.deadline = timeout > 0 ? Date.now() + timeout : 0;
    const signal = options?.signal;
    if (signal !== undefined && !signal.aborted) {
      this.signal = signal;
      this.onAbort = () => this.abort(signal.reason);
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  abstract start(): boolean;
  abstract onMessage(env: unknown[]): void;
  abstract fail(err: RpcError): void;
  abstract lost(): boolean;

  /** The caller's signal fired: the call fails with CANCELLED and the server is told. */
  protected abort(reason: unknown): void {
    if (this.settled) return;
    this.fail(new RpcError('CANCELLED', 'cancelled by the caller', undefined, { cause: reason }));
  }

  /** Marks the call settled and detaches it; true if it was still open. */
  protected settle(cancelAtServer: boolean): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (this.onAbort !== undefined) this.signal?.removeEventListener('abort', this.onAbort);
    this.host.forget(this, cancelAtServer);
    return true;
  }
}

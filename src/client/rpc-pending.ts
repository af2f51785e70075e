import { isErrorCode, RpcError, type CallMeta, type ClientCodec, type CreditEnvelope, type ErrorEnvelope, type IdEnvelope, type ItemEnvelope, type MethodInfo, type MethodKind, type ResultEnvelope, type Schema, type Validate } from '../rpc/protocol.js';
import type { CallOptions } from './rpc-types.js';

/** The envelopes the server sends about one call. */
export type CallReply = ResultEnvelope | ErrorEnvelope | ItemEnvelope | IdEnvelope | CreditEnvelope;

/** What the connection manager needs from every outstanding call, stream or notification. */
export interface Pending {
  /** Wire id; 0 for notifications. */
  readonly id: number;
  readonly kind: MethodKind;
  /** Epoch ms after which the call fails with TIMEOUT; 0 = never. */
  readonly deadline: number;
  settled: boolean;
  /** Sends the opening envelope on the current connection; returns true if answers are expected. */
  start(): boolean;
  /** An envelope for this id arrived. */
  onMessage(env: CallReply): void;
  /** A subscription's Subscribed envelope arrived (topic subscriptions only). */
  onSubscribed?(env: unknown[]): void;
  /** Ends the call with an error (timeout, abort, disconnect, client closed). */
  fail(err: RpcError): void;
  /** The connection dropped; return true to be started again after the reconnect. */
  lost(): boolean;
}

/** The part of the client core a call uses. */
export interface CallHost {
  /** Checks answers against the definition's schemas; null when the client does not validate (types-only, or `validate: false`). */
  readonly validate: Validate | null;
  readonly codec: ClientCodec;
  /** Sends a call now if connected, else queues it. */
  submit(p: Pending): void;
  /** Sends an envelope on the current connection; false (and the call failed) if it cannot. */
  send(p: Pending, data: string | Uint8Array): boolean;
  /** Removes a settled call from the tables; `cancel` also tells the server. */
  forget(p: Pending, cancel: boolean): void;
}

/** Builds the RpcError an Error envelope carries (application codes included). */
export function errorFromEnvelope(env: ErrorEnvelope): RpcError {
  if (isErrorCode(env.code)) return new RpcError(env.code, env.message, env.data);
  // not a code at all: keep it visible without inventing one
  return new RpcError('INTERNAL', `${env.code}: ${env.message}`, env.data);
}

/** The error a call fails with when the server breaks the protocol for it (the client cancels it there). */
export function protocolError(message: string): RpcError {
  return new RpcError('BAD_REQUEST', `protocol error from the server: ${message}`);
}

/** The CANCELLED error of a call whose AbortSignal fired, with the signal's reason as its cause. */
export function cancelledError(reason: unknown): RpcError {
  return new RpcError('CANCELLED', 'cancelled by the caller', undefined, { cause: reason });
}

/** Validates a value from the server against its schema when the client validates (INVALID_OUTPUT with the issues when it fails). */
export function checkResponse(host: CallHost, schema: Schema | null | undefined, value: unknown, what: string): unknown {
  return host.validate === null ? value : host.validate(schema, value, 'INVALID_OUTPUT', `${what} from the server`);
}

/** Common bookkeeping: deadline and AbortSignal of one call. */
export abstract class BaseCall implements Pending {
  settled = false;
  readonly kind: MethodKind;
  readonly deadline: number;
  protected readonly meta: CallMeta | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort: (() => void) | undefined;

  constructor(
    protected readonly host: CallHost,
    readonly id: number,
    readonly info: MethodInfo,
    options: CallOptions | undefined,
    defaultTimeoutMs: number,
  ) {
    this.kind = info.kind;
    const timeout = options?.timeoutMs ?? defaultTimeoutMs;
    this.meta = options?.meta;
    this.deadline = timeout > 0 ? Date.now() + timeout : 0;
    const signal = options?.signal;
    if (signal !== undefined && !signal.aborted) {
      this.#signal = signal;
      this.#onAbort = () => this.abort(signal.reason);
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  abstract start(): boolean;
  abstract onMessage(env: CallReply): void;
  abstract fail(err: RpcError): void;
  abstract lost(): boolean;

  /** The caller's signal fired: the call fails with CANCELLED and the server is told. */
  protected abort(reason: unknown): void {
    if (this.settled) return;
    this.fail(cancelledError(reason));
  }

  /** Marks the call settled and detaches it; true if it was still open. */
  protected settle(cancelAtServer: boolean): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (this.#onAbort !== undefined) this.#signal?.removeEventListener('abort', this.#onAbort);
    this.host.forget(this, cancelAtServer);
    return true;
  }
}

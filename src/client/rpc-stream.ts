import * as Kind from '../rpc/kinds.js';
import { RpcError } from '../rpc/errors.js';
import type { MethodInfo } from '../rpc/service.js';
import { BaseCall, checkResponse, errorFromEnvelope, protocolError, type CallHost, type CallReply } from './rpc-pending.js';
import type { CallOptions } from './rpc-types.js';

/**
 * A server stream as an async iterable. The call starts on the first `next()`;
 * the server sends at most `window` items ahead of the consumer (credit flow
 * control); leaving a for-await early (or `cancel()`) cancels it at the server.
 * Resumable streams survive reconnects, resuming after `lastEventId`.
 */
export class RpcStream<T> extends BaseCall implements AsyncIterable<T>, AsyncIterator<T> {
  /** Id of the last event received (for streams whose server tags items). */
  lastEventId: string | undefined;
  readonly #buffer: unknown[] = [];
  #head = 0;
  #ended = false;
  #error: RpcError | null = null;
  #consumed = 0;
  /** Items the server may still send: the credit granted minus the items received. */
  #allowance = 0;
  #waiter: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | null = null;
  #submitted = false;

  readonly #input: unknown;
  readonly #window: number;

  constructor(
    host: CallHost,
    id: number,
    info: MethodInfo,
    input: unknown,
    window: number,
    options: CallOptions | undefined,
  ) {
    super(host, id, info, options, 0); // no default deadline: a stream runs as long as its consumer reads
    this.#input = input;
    this.#window = window;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this;
  }

  start(): boolean {
    this.#consumed = 0;
    const credit = Math.max(0, this.#window - (this.#buffer.length - this.#head));
    this.#allowance = credit;
    return this.host.send(this, this.host.codec.stream(this.id, this.info.name, credit, this.lastEventId, this.#input, this.meta));
  }

  next(): Promise<IteratorResult<T>> {
    if (!this.#submitted) {
      this.#submitted = true;
      this.host.submit(this);
    }
    if (this.#head < this.#buffer.length) {
      const value = this.#buffer[this.#head] as T;
      this.#buffer[this.#head++] = undefined;
      if (this.#head === this.#buffer.length) {
        this.#buffer.length = 0;
        this.#head = 0;
      }
      this.#grant();
      return Promise.resolve({ value, done: false });
    }
    if (this.#error !== null) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Called by for-await when the loop exits early: cancels the stream at the server. */
  return(): Promise<IteratorResult<T>> {
    this.cancel();
    return Promise.resolve({ value: undefined, done: true });
  }

  /**
   * Stops the stream; the server's handler sees `ctx.signal` abort. A pending
   * `next()` ends the iteration normally (an AbortSignal instead rejects it with CANCELLED).
   */
  cancel(): void {
    this.#submitted = true;
    this.settle(true);
    this.#buffer.length = 0;
    this.#head = 0;
    if (this.#error === null) this.#finishWith(null);
  }

  #grant(): void {
    if (++this.#consumed >= this.#window >> 1 && !this.settled) {
      this.host.send(this, this.host.codec.credit(this.id, this.#consumed));
      this.#allowance += this.#consumed;
      this.#consumed = 0;
    }
  }

  #deliver(value: unknown): void {
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      this.#grant();
      w.resolve({ value: value as T, done: false });
    } else this.#buffer.push(value);
  }

  #finishWith(err: RpcError | null): void {
    if (err !== null) this.#error = err;
    else this.#ended = true;
    const w = this.#waiter;
    if (w === null) return;
    this.#waiter = null;
    if (err !== null) w.reject(err);
    else w.resolve({ value: undefined, done: true });
  }

  onMessage(env: CallReply): void {
    if (this.settled) return;
    switch (env.kind) {
      case Kind.Item:
      case Kind.Event: {
        // The window is enforced here: a server that ignores credit fails its stream instead of filling memory.
        if (this.#allowance <= 0) {
          this.fail(protocolError('stream items beyond the credit granted'));
          return;
        }
        this.#allowance--;
        let value: unknown;
        try {
          value = checkResponse(this.host, this.info, env.item, 'stream item');
        } catch (err) {
          this.fail(err as RpcError);
          return;
        }
        if (env.eventId !== undefined) this.lastEventId = env.eventId;
        this.#deliver(value);
        return;
      }
      case Kind.Done:
        if (this.settle(false)) this.#finishWith(null);
        return;
      case Kind.Error:
        if (this.settle(false)) this.#finishWith(errorFromEnvelope(env));
    }
  }

  fail(err: RpcError): void {
    const atServer = err.code !== 'UNAVAILABLE' && err.code !== 'PAYLOAD_TOO_LARGE';
    if (this.settle(atServer)) this.#finishWith(err);
  }

  lost(): boolean {
    if (this.info.resumable && !this.settled) return true;
    this.fail(new RpcError('UNAVAILABLE', 'connection lost during the stream'));
    return false;
  }
}

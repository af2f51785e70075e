import * as Protocol from '../rpc/protocol.js';
import { CreditQueue, RpcError, type MethodInfo } from '../rpc/protocol.js';
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
  readonly #queue: CreditQueue<T>;
  #submitted = false;

  readonly #input: unknown;

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
    this.#queue = new CreditQueue<T>(window, (n) => {
      if (this.settled) return false;
      this.host.send(this, host.codec.credit(id, n));
      return true;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this;
  }

  start(): boolean {
    const credit = this.#queue.restart();
    return this.host.send(this, this.host.codec.stream(this.id, this.info.name, credit, this.lastEventId, this.#input, this.meta));
  }

  next(): Promise<IteratorResult<T>> {
    if (!this.#submitted) {
      this.#submitted = true;
      this.host.submit(this);
    }
    return this.#queue.next();
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
    this.#queue.close();
  }

  onMessage(env: CallReply): void {
    if (this.settled) return;
    switch (env.kind) {
      case Protocol.Item:
      case Protocol.Event: {
        // The window is enforced here: a server that ignores credit fails its stream instead of filling memory.
        if (!this.#queue.spend()) {
          this.fail(protocolError('stream items beyond the credit granted'));
          return;
        }
        let value: unknown;
        try {
          value = checkResponse(this.host, this.info.output, env.item, `${this.info.name}: stream item`);
        } catch (err) {
          this.fail(err as RpcError);
          return;
        }
        if (env.eventId !== undefined) this.lastEventId = env.eventId;
        this.#queue.push(value as T);
        return;
      }
      case Protocol.Done:
        if (this.settle(false)) this.#queue.end();
        return;
      case Protocol.Error:
        if (this.settle(false)) this.#queue.fail(errorFromEnvelope(env));
    }
  }

  fail(err: RpcError): void {
    const atServer = err.code !== 'UNAVAILABLE' && err.code !== 'PAYLOAD_TOO_LARGE';
    if (this.settle(atServer)) this.#queue.fail(err);
  }

  lost(): boolean {
    if (this.info.resumable && !this.settled) return true;
    this.fail(new RpcError('UNAVAILABLE', 'connection lost during the stream'));
    return false;
  }
}

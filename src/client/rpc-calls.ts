import * as Protocol from '../rpc/protocol.js';
import { MAX_CREDIT, RpcError, type MethodInfo } from '../rpc/protocol.js';
import { BaseCall, checkResponse, errorFromEnvelope, protocolError, type CallHost, type CallReply } from './rpc-pending.js';
import type { CallOptions } from './rpc-types.js';

const LOST = new RpcError('UNAVAILABLE', 'connection lost before the answer arrived');

/** Items of a client stream. */
type Items = AsyncIterable<unknown> | Iterable<unknown>;

/**
 * A call answered once: a unary call, or a client stream (`info.kind`), whose
 * items are sent as the server grants credit, then End; or a one-way
 * notification, settled once handed to a connection.
 */
export class RequestCall extends BaseCall {
  #resolve!: (value: unknown) => void;
  #reject!: (err: RpcError) => void;
  readonly promise: Promise<unknown>;
  #credit = 0;
  #wake: (() => void) | null = null;
  #started = false;
  readonly #input: unknown;
  /** The input of a client stream: its items. */
  readonly #items: Items | undefined;

  constructor(host: CallHost, id: number, info: MethodInfo, input: unknown, options: CallOptions | undefined, timeoutMs: number) {
    super(host, id, info, options, timeoutMs);
    this.#input = input;
    this.#items = info.kind === 'clientStream' ? (input as Items) : undefined;
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  start(): boolean {
    if (this.kind === 'notify') {
      if (this.host.send(this, this.host.codec.notify(this.info.name, this.#input)) && this.settle(false)) this.#resolve(undefined);
      return false;
    }
    const items = this.#items;
    if (items === undefined) return this.host.send(this, this.host.codec.call(this.id, this.info.name, this.#input, this.meta));
    if (this.#started) return false;
    this.#started = true;
    if (!this.host.send(this, this.host.codec.clientStream(this.id, this.info.name, this.meta))) return false;
    void this.#pump(items);
    return true;
  }

  async #pump(items: Items): Promise<void> {
    try {
      for await (const item of items) {
        while (this.#credit <= 0 && !this.settled) await new Promise<void>((r) => (this.#wake = r));
        if (this.settled) return;
        this.#credit--;
        if (!this.host.send(this, this.host.codec.push(this.id, item))) return;
      }
      if (!this.settled) this.host.send(this, this.host.codec.end(this.id));
    } catch (err) {
      this.fail(err instanceof RpcError ? err : new RpcError('CANCELLED', 'the input iterable failed', undefined, { cause: err }));
    }
  }

  #wakeUp(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  onMessage(env: CallReply): void {
    switch (env.kind) {
      case Protocol.Credit:
        if (this.#items === undefined) return;
        if (this.#credit + env.n > MAX_CREDIT) {
          this.fail(protocolError(`client stream credit beyond ${MAX_CREDIT}`));
          return;
        }
        this.#credit += env.n;
        this.#wakeUp();
        return;
      case Protocol.Result:
        if (!this.settle(false)) return;
        this.#wakeUp();
        try {
          this.#resolve(checkResponse(this.host, this.info.output, env.output, `${this.info.name}: result`));
        } catch (err) {
          this.#reject(err as RpcError);
        }
        return;
      case Protocol.Error:
        if (!this.settle(false)) return;
        this.#wakeUp();
        this.#reject(errorFromEnvelope(env));
    }
  }

  fail(err: RpcError): void {
    // the server is told to cancel a call it has: a unary call that timed out or was aborted, a client stream once opened
    const atServer = this.#items === undefined ? err.code === 'TIMEOUT' || err.code === 'CANCELLED' : err.code !== 'UNAVAILABLE' && this.#started;
    if (!this.settle(atServer)) return;
    this.#wakeUp();
    this.#reject(err);
  }

  lost(): boolean {
    this.fail(LOST);
    return false;
  }
}

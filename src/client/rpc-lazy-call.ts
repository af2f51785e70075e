import { RpcError, type MethodInfo } from '../rpc/protocol.js';
import { openStream, startCall, type CallSettings } from './rpc-call-start.js';
import type { RpcStream } from './rpc-stream.js';
import type { CallOptions } from './rpc-types.js';

/** What a types-only client knows of its settings; the kind of a call is found from how it is used. */
export interface LazySettings extends CallSettings {
  readonly notify: ReadonlySet<string>;
  readonly resumable: ReadonlySet<string>;
}

/**
 * Items for a client stream: an async iterable, or an iterator that is
 * iterable (a generator). An iterable value (an array, a Set, a Map, bytes)
 * is one input.
 */
function isItems(input: unknown): input is AsyncIterable<unknown> | IterableIterator<unknown> {
  if (typeof input !== 'object' || input === null) return false;
  return Symbol.asyncIterator in input || (Symbol.iterator in input && typeof (input as { next?: unknown }).next === 'function');
}

/**
 * One call of a types-only client, sent when it is used: awaiting it (or
 * `then`/`catch`/`finally`) sends a unary call, a client stream when the
 * argument is an (async) iterator, or a notification for a method named in
 * the `notify` option; iterating it opens a server stream.
 */
export class LazyCall implements PromiseLike<unknown>, AsyncIterableIterator<unknown> {
  readonly [Symbol.toStringTag] = 'LazyCall';
  #promise: Promise<unknown> | null = null;
  #stream: RpcStream<unknown> | null = null;

  readonly #s: LazySettings;
  readonly #name: string;
  readonly #input: unknown;
  readonly #options: CallOptions | undefined;

  constructor(
    s: LazySettings,
    name: string,
    input: unknown,
    options: CallOptions | undefined,
  ) {
    this.#s = s;
    this.#name = name;
    this.#input = input;
    this.#options = options;
  }

  #info(kind: MethodInfo['kind']): MethodInfo {
    return { name: this.#name, kind, input: null, output: null, resumable: kind === 'stream' && this.#s.resumable.has(this.#name) };
  }

  #call(): Promise<unknown> {
    if (this.#promise !== null) return this.#promise;
    if (this.#stream !== null) return (this.#promise = Promise.reject(new TypeError(`${this.#name}: already iterated as a stream`)));
    const kind = this.#s.notify.has(this.#name) ? 'notify' : isItems(this.#input) ? 'clientStream' : 'unary';
    return (this.#promise = startCall(this.#s, this.#info(kind), this.#input, this.#options));
  }

  #iterator(): RpcStream<unknown> {
    if (this.#stream !== null) return this.#stream;
    const awaited = this.#promise === null ? null : new RpcError('BAD_REQUEST', `${this.#name}: already awaited as a call`);
    return (this.#stream = openStream(this.#s, this.#info('stream'), this.#input, this.#options, awaited));
  }

  then<A = unknown, B = never>(onfulfilled?: ((value: unknown) => A | PromiseLike<A>) | null, onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.#call().then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<unknown> {
    return this.#call().catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<unknown> {
    return this.#call().finally(onfinally);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    return this.#iterator().next();
  }

  return(): Promise<IteratorResult<unknown>> {
    return this.#iterator().return();
  }

  /** Stops the stream (see RpcStream.cancel). */
  cancel(): void {
    this.#iterator().cancel();
  }

  /** Id of the last event received (see RpcStream.lastEventId). */
  get lastEventId(): string | undefined {
    return this.#stream?.lastEventId;
  }
}

import type { ClientCodec } from '../rpc/codec.js';
import { RpcError } from '../rpc/errors.js';
import type { MethodInfo } from '../rpc/service.js';
import { ClientStreamCall, NotifyCall, UnaryCall } from './rpc-calls.js';
import type { RpcClientCore } from './rpc-core.js';
import { cancelledByCaller } from './rpc-methods.js';
import { RpcStream } from './rpc-stream.js';
import type { CallOptions } from './rpc-types.js';

/** What a types-only client knows of its settings; the kind of a call is found from how it is used. */
export interface LazySettings {
  readonly core: RpcClientCore;
  readonly codec: ClientCodec;
  readonly timeoutMs: number;
  readonly window: number;
  readonly notify: ReadonlySet<string>;
  readonly resumable: ReadonlySet<string>;
}

/** Items for a client stream: an async iterable, or an iterable that is not itself a value (an array is one input). */
function isItems(input: unknown): input is AsyncIterable<unknown> | Iterable<unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || ArrayBuffer.isView(input)) return false;
  return Symbol.asyncIterator in input || Symbol.iterator in input;
}

/**
 * One call of a types-only client, sent when it is used: awaiting it (or
 * `then`/`catch`/`finally`) sends a unary call, a client stream when the
 * argument is an (async) iterator, or a notification for a method named in
 * the `notify` option; iterating it opens a server stream.
 */
export class LazyCall implements PromiseLike<unknown>, AsyncIterableIterator<unknown> {
  readonly [Symbol.toStringTag] = 'LazyCall';
  private promise: Promise<unknown> | null = null;
  private stream: RpcStream<unknown> | null = null;

  constructor(
    private readonly s: LazySettings,
    private readonly name: string,
    private readonly input: unknown,
    private readonly options: CallOptions | undefined,
  ) {}

  private info(kind: MethodInfo['kind']): MethodInfo {
    return { name: this.name, kind, input: null, output: null, resumable: kind === 'stream' && this.s.resumable.has(this.name) };
  }

  private call(): Promise<unknown> {
    if (this.promise !== null) return this.promise;
    if (this.stream !== null) return (this.promise = Promise.reject(new TypeError(`${this.name}: already iterated as a stream`)));
    const { core, codec, timeoutMs } = this.s;
    const cancelled = cancelledByCaller(this.options);
    let call: UnaryCall | ClientStreamCall | NotifyCall;
    if (this.s.notify.has(this.name)) call = new NotifyCall(core, codec, this.info('notify'), this.input, timeoutMs);
    else if (isItems(this.input)) call = new ClientStreamCall(core, codec, core.nextId(), this.info('clientStream'), this.input, this.options, timeoutMs);
    else call = new UnaryCall(core, codec, core.nextId(), this.info('unary'), this.input, this.options, timeoutMs);
    if (cancelled !== null) call.fail(cancelled);
    else core.submit(call);
    return (this.promise = call.promise);
  }

  private iterator(): RpcStream<unknown> {
    if (this.stream !== null) return this.stream;
    const { core, codec, window } = this.s;
    const info = this.info('stream');
    this.stream = new RpcStream<unknown>(core, core, codec, core.nextId(), info, this.input, window, info.resumable, this.options);
    const cancelled = cancelledByCaller(this.options);
    if (this.promise !== null) this.stream.fail(new RpcError('BAD_REQUEST', `${this.name}: already awaited as a call`));
    else if (cancelled !== null) this.stream.fail(cancelled);
    return this.stream;
  }

  then<A = unknown, B = never>(onfulfilled?: ((value: unknown) => A | PromiseLike<A>) | null, onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.call().then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<unknown> {
    return this.call().catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<unknown> {
    return this.call().finally(onfinally);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    return this.iterator().next();
  }

  return(): Promise<IteratorResult<unknown>> {
    return this.iterator().return();
  }

  /** Stops the stream (see RpcStream.cancel). */
  cancel(): void {
    this.iterator().cancel();
  }

  /** Id of the last event received (see RpcStream.lastEventId). */
  get lastEventId(): string | undefined {
    return this.stream?.lastEventId;
  }
}

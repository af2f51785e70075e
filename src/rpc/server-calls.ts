import { CreditQueue } from './credit-queue.js';
import { MAX_CREDIT } from './envelope.js';
import type { CallMeta } from './codec.js';
import { RpcError } from './errors.js';
import type { CallContext } from './handlers.js';
import type { MethodKind } from './service.js';
import type { StreamPosition } from './topic.js';

/** Publishes on a topic from inside a call (`ctx.publish`); null when the service has no topics. */
export type CallPublisher = ((topic: string, key: unknown, message: unknown) => Promise<StreamPosition>) | null;

const NO_TOPICS = new RpcError('NOT_FOUND', 'the service has no topics');

/**
 * One call at the server; it is also the handler's `ctx`. The AbortController
 * is created only when a handler reads `ctx.signal`, so calls that never look
 * at it do not pay for one.
 */
export class ServerCall<C = unknown> implements CallContext<C> {
  /** Set once nothing more may be sent for this id (cancelled, failed or finished). */
  done = false;
  /** The handler published on a topic: its answer goes out with the publications (RpcSocket.sendWithTurn). */
  published = false;
  meta: CallMeta | undefined = undefined;
  private controller: AbortController | null = null;
  private abortReason: RpcError | null = null;

  constructor(
    readonly conn: C,
    readonly method: string,
    readonly kind: MethodKind,
    readonly id: number,
    readonly input: unknown,
    readonly lastEventId: string | undefined,
    private readonly publisher: CallPublisher = null,
  ) {}

  /** Publishes on one of the service's topics (typed as `ctx.publish` in services with topics). */
  publish(topic: string, key: unknown, message: unknown): Promise<StreamPosition> {
    if (this.publisher === null) return Promise.reject(NO_TOPICS);
    this.published = true;
    return this.publisher(topic, key, message);
  }

  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.abortReason !== null) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Stops the call: the handler's signal aborts with `reason`. */
  abort(reason: RpcError): void {
    if (this.abortReason !== null) return;
    this.done = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}

/** A server-to-client stream: sends only while the client has granted credit. */
export class ServerStreamCall<C = unknown> extends ServerCall<C> {
  credit = 0;
  private wake: (() => void) | null = null;

  /** Resolves when credit arrives or the call stops. */
  waitCredit(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  /** Adds credit; false (nothing added) if the total would pass MAX_CREDIT. */
  grant(n: number): boolean {
    if (this.credit + n > MAX_CREDIT) return false;
    this.credit += n;
    this.notify();
    return true;
  }

  override abort(reason: RpcError): void {
    super.abort(reason);
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    if (wake !== null) {
      this.wake = null;
      wake();
    }
  }
}

/** Sends credit for a client stream back to the client. */
export type CreditSender = (id: number, n: number) => void;

/**
 * A client-to-server stream: buffers at most `window` items (the credit it
 * granted) and hands them to the handler as an async iterable.
 */
export class ClientStreamCall<C = unknown> extends ServerCall<C> implements AsyncIterable<unknown>, AsyncIterator<unknown> {
  private readonly queue: CreditQueue<unknown>;

  constructor(
    conn: C,
    method: string,
    id: number,
    readonly window: number,
    sendCredit: CreditSender,
    publisher: CallPublisher = null,
  ) {
    super(conn, method, 'clientStream', id, undefined, undefined, publisher);
    this.queue = new CreditQueue(window, (n) => {
      if (this.done) return false;
      sendCredit(id, n);
      return true;
    });
    // the session grants the whole window when the call starts
    this.queue.restart();
  }

  /** Takes one unit of the client's credit; false if the client sent beyond what it was granted. */
  spend(): boolean {
    return this.queue.spend();
  }

  push(item: unknown): void {
    this.queue.push(item);
  }

  end(): void {
    this.queue.end();
  }

  fail(err: RpcError): void {
    this.queue.fail(err);
  }

  override abort(reason: RpcError): void {
    super.abort(reason);
    this.fail(reason);
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    return this.queue.next();
  }

  return(): Promise<IteratorResult<unknown>> {
    this.queue.close();
    return Promise.resolve({ value: undefined, done: true });
  }
}

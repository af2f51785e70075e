import type { EnvelopeCodec, WireData } from './codec.js';
import { Kind } from './envelope.js';
import { RpcError, toRpcError, type ErrorExposure } from './errors.js';
import type { CallContext, Middleware } from './handlers.js';
import { ClientStreamCall, ServerCall, ServerStreamCall, type CallPublisher } from './server-calls.js';
import { SessionTopics } from './server-topics.js';
import { isThenable, pumpStream, type AnyIterable, type PumpIO } from './server-stream-pump.js';
import { validate, type MethodInfo } from './service.js';
import type { RpcSocket } from './socket.js';
import type { TopicHub } from './topic-hub.js';

/** Per-connection limits. Exceeding one fails that call with a typed error; the connection stays up. */
export interface ServerLimits {
  /** Largest RPC message accepted or sent, in bytes (default 1 MiB). */
  maxMessageSize: number;
  /** Unary calls and notifications running at once per connection (default 256). */
  maxInFlight: number;
  /** Streams (either direction) open at once per connection (default 64). */
  maxStreams: number;
  /** Items a client stream may send ahead of the handler (credit window, default 64). */
  streamWindow: number;
}

export const DEFAULT_LIMITS: ServerLimits = { maxMessageSize: 1 << 20, maxInFlight: 256, maxStreams: 64, streamWindow: 64 };

/** A method with its handler, built once per server. */
export interface Route {
  readonly info: MethodInfo;
  readonly handler: (...args: never[]) => unknown;
}

/** What every session of one server shares. */
export interface SessionConfig<C> extends ErrorExposure {
  readonly routes: ReadonlyMap<string, Route>;
  readonly middleware: readonly Middleware<C>[];
  readonly limits: ServerLimits;
  /** Called with unexpected handler errors (those that reach the client as INTERNAL). */
  readonly onError?: (err: unknown, ctx: CallContext<C>) => void;
  /** The service's topics, or null when it has none. */
  readonly topics: TopicHub | null;
}

type AnyHandler = (a: unknown, ctx: CallContext<unknown>) => unknown;

/** Bytes queued in the transport above which stream pumps wait for each send. */
const CONGESTED_BYTES = 64 * 1024;

const UNAVAILABLE = new RpcError('UNAVAILABLE', 'connection closed');
const CANCELLED = new RpcError('CANCELLED', 'cancelled by the client');

function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= Number.MAX_SAFE_INTEGER;
}

function noop(): void {}


/** parseInput's answer for invalid input (already answered). */
const FAILED: unique symbol = Symbol('failed');

/**
 * The server side of one connection: decodes envelopes, runs handlers with
 * validation, middleware, limits, flow control and cancellation, and encodes
 * the answers. Transport-agnostic: an adapter feeds `receive` and calls `close`.
 */
export class ServerSession<C> {
  private readonly calls = new Map<number, ServerCall<C>>();
  private inFlight = 0;
  private streams = 0;
  private isClosed = false;
  private readonly release = (): void => {
    this.inFlight--;
  };
  private readonly sendCredit = (id: number, n: number): void => {
    this.send(this.codec.credit(id, n));
  };
  private readonly pumpIO: PumpIO;
  private readonly topics: SessionTopics<C> | null;
  private readonly publisher: CallPublisher;

  constructor(
    private readonly config: SessionConfig<C>,
    private readonly socket: RpcSocket,
    readonly codec: EnvelopeCodec,
    readonly conn: C,
  ) {
    this.pumpIO = {
      codec,
      maxMessageSize: config.limits.maxMessageSize,
      send: (data) => this.send(data),
      congested: () => this.congested(),
    };
    const hub = config.topics;
    this.publisher = hub === null ? null : (topic, key, message) => hub.publish(topic, key, message);
    this.topics =
      hub === null
        ? null
        : new SessionTopics(hub, {
            codec,
            conn,
            socket,
            get bufferedAmount() {
              return socket.bufferedAmount;
            },
            send: (d) => void this.send(d),
            sendError: (id, err) => this.sendError(id, err),
            toError: (err) => toRpcError(err, config),
            close: (code, reason) => socket.close(code, reason),
          });
  }

  /** Feeds one incoming message. Never throws: bad input is answered with an error envelope. */
  receive(data: WireData): void {
    if (this.isClosed) return;
    const { codec, config } = this;
    if (codec.exceeds(data, config.limits.maxMessageSize)) {
      this.rejectOversized(data);
      return;
    }
    let env: unknown;
    try {
      env = codec.decode(data);
    } catch {
      this.connectionError('malformed message');
      return;
    }
    if (!Array.isArray(env)) {
      this.connectionError('an envelope must be an array');
      return;
    }
    switch (env[0]) {
      case Kind.Call:
        return this.onCall(env);
      case Kind.Stream:
        return this.onStream(env);
      case Kind.Notify:
        return this.onNotify(env);
      case Kind.ClientStream:
        return this.onClientStream(env);
      case Kind.Push:
        return this.onPush(env);
      case Kind.Credit:
        return this.onCredit(env);
      case Kind.End:
        return this.onEnd(env);
      case Kind.Cancel:
        return this.onCancel(env);
      case Kind.Ping:
        this.send(codec.pong(typeof env[1] === 'number' ? env[1] : 0));
        return;
      case Kind.Pong:
        return;
      default:
        if (this.topics?.receive(env) !== true) this.connectionError(`unknown envelope kind ${String(env[0])}`);
    }
  }

  /** The transport closed: every open call is aborted with UNAVAILABLE. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const call of this.calls.values()) call.abort(UNAVAILABLE);
    this.calls.clear();
    this.topics?.close();
  }

  private send(data: WireData): Promise<void> | void {
    if (this.isClosed) return;
    try {
      const p = this.socket.send(data);
      if (p !== undefined) p.catch(noop);
      return p;
    } catch {
      return;
    }
  }

  /** Whether the transport is holding back writes (a stream then waits for its send to settle). */
  private congested(): boolean {
    const queued = this.socket.bufferedAmount;
    return queued === undefined || queued > CONGESTED_BYTES;
  }

  private sendError(id: number, err: RpcError): void {
    this.send(this.codec.error(id, err.code, err.message, err.data));
  }

  private connectionError(message: string): void {
    this.sendError(0, new RpcError('BAD_REQUEST', message));
  }

  private rejectOversized(data: WireData): void {
    const head = this.codec.peek(data);
    const err = new RpcError('PAYLOAD_TOO_LARGE', `message exceeds ${this.config.limits.maxMessageSize} bytes`);
    if (head === null || !isId(head.id) || head.kind === Kind.Notify) {
      this.sendError(0, err);
      return;
    }
    const open = this.calls.get(head.id);
    if (open !== undefined) {
      this.finish(open);
      open.abort(err);
    }
    if (open !== undefined || head.kind === Kind.Call || head.kind === Kind.Stream || head.kind === Kind.ClientStream) {
      this.sendError(head.id, err);
    }
  }

  /** Validates the common head of a call envelope; answers and returns null when it is unusable. */
  private route(env: unknown[], id: number): Route | null {
    const method = env[2];
    if (typeof method !== 'string') {
      this.sendError(id, new RpcError('BAD_REQUEST', 'method must be a string'));
      return null;
    }
    const route = this.config.routes.get(method);
    if (route === undefined) {
      this.sendError(id, new RpcError('NOT_FOUND', `no method ${method}`));
      return null;
    }
    if (this.calls.has(id)) {
      this.sendError(id, new RpcError('BAD_REQUEST', `call id ${id} is in use`));
      return null;
    }
    return route;
  }

  private readId(env: unknown[]): number {
    const id = env[1];
    if (isId(id)) return id;
    this.connectionError('bad call id');
    return 0;
  }

  private checkKind(route: Route, id: number, kind: MethodInfo['kind']): boolean {
    if (route.info.kind === kind) return true;
    this.sendError(id, new RpcError('BAD_REQUEST', `${route.info.name} is a ${route.info.kind} method`));
    return false;
  }

  /** Validates the input of a call; answers the error and returns FAILED when it is invalid. */
  private parseInput(route: Route, id: number, value: unknown): unknown {
    try {
      return validate(route.info.input, value, 'BAD_REQUEST', 'input');
    } catch (err) {
      this.sendError(id, err as RpcError);
      return FAILED;
    }
  }

  private onCall(env: unknown[]): void {
    const id = this.readId(env);
    if (id === 0) return;
    const route = this.route(env, id);
    if (route === null || !this.checkKind(route, id, 'unary')) return;
    if (this.inFlight >= this.config.limits.maxInFlight) {
      this.sendError(id, new RpcError('TOO_MANY_REQUESTS', `more than ${this.config.limits.maxInFlight} calls in flight`));
      return;
    }
    const input = this.parseInput(route, id, env[3]);
    if (input === FAILED) return;
    const call = new ServerCall<C>(this.conn, route.info.name, 'unary', id, input, undefined, this.publisher);
    this.inFlight++;
    const handler = route.handler as AnyHandler;
    if (this.config.middleware.length > 0) {
      this.calls.set(id, call);
      void this.awaitUnary(call, route, this.withMiddleware(call, () => handler(call.input, call as CallContext<unknown>)));
      return;
    }
    let out: unknown;
    try {
      out = handler(input, call as CallContext<unknown>);
    } catch (err) {
      this.failUnary(call, err);
      return;
    }
    // A synchronous handler is answered at once: no promise, no entry in the call table.
    if (!isThenable(out)) {
      this.replyUnary(call, route, out);
      return;
    }
    this.calls.set(id, call);
    void this.awaitUnary(call, route, out);
  }

  private async awaitUnary(call: ServerCall<C>, route: Route, pending: PromiseLike<unknown>): Promise<void> {
    let out: unknown;
    try {
      out = await pending;
    } catch (err) {
      this.finish(call);
      this.failUnary(call, err);
      return;
    }
    this.finish(call);
    if (call.done) this.release();
    else this.replyUnary(call, route, out);
  }

  /** Validates and sends a result; the in-flight slot is freed once the transport took it. */
  private replyUnary(call: ServerCall<C>, route: Route, out: unknown): void {
    let reply: WireData;
    try {
      reply = this.codec.result(call.id, validate(route.info.output, out, 'INVALID_OUTPUT', 'output'));
      if (this.codec.exceeds(reply, this.config.limits.maxMessageSize)) {
        throw new RpcError('PAYLOAD_TOO_LARGE', `result exceeds ${this.config.limits.maxMessageSize} bytes`);
      }
    } catch (err) {
      this.failUnary(call, err);
      return;
    }
    call.done = true;
    const p = this.send(reply);
    // The slot stays taken while the transport holds the answer back, so a client that stops reading cannot pile them up.
    if (p !== undefined && this.congested()) p.then(this.release, this.release);
    else this.release();
  }

  private failUnary(call: ServerCall<C>, err: unknown): void {
    if (!call.done) {
      call.done = true;
      this.sendError(call.id, this.toError(err, call));
    }
    this.release();
  }

  private withMiddleware(call: ServerCall<C>, final: () => unknown): Promise<unknown> {
    const mw = this.config.middleware;
    // async: a middleware or handler that throws synchronously becomes a rejection, never an exception in receive()
    const run = async (i: number): Promise<unknown> => (i === mw.length ? final() : mw[i](call, () => run(i + 1)));
    return run(0);
  }

  /** Hands an unexpected handler error to `onError`; a throwing observer must not stop the connection. */
  private report(err: unknown, call: ServerCall<C>): void {
    try {
      this.config.onError?.(err, call);
    } catch {
      // the observer's own failure has nowhere better to go
    }
  }

  private toError(err: unknown, call: ServerCall<C>): RpcError {
    const e = toRpcError(err, this.config);
    if (!(err instanceof RpcError)) this.report(err, call);
    return e;
  }

  private onNotify(env: unknown[]): void {
    const method = env[1];
    const route = typeof method === 'string' ? this.config.routes.get(method) : undefined;
    if (route === undefined || route.info.kind !== 'notify') {
      this.connectionError(`no notification ${String(method)}`);
      return;
    }
    if (this.inFlight >= this.config.limits.maxInFlight) {
      this.sendError(0, new RpcError('TOO_MANY_REQUESTS', `notification ${route.info.name} dropped: too many calls in flight`));
      return;
    }
    let input: unknown;
    try {
      input = validate(route.info.input, env[2], 'BAD_REQUEST', 'input');
    } catch (err) {
      this.sendError(0, err as RpcError);
      return;
    }
    this.inFlight++;
    void this.runNotify(new ServerCall<C>(this.conn, route.info.name, 'notify', 0, input, undefined, this.publisher), route);
  }

  private async runNotify(call: ServerCall<C>, route: Route): Promise<void> {
    try {
      const run = (): unknown => (route.handler as AnyHandler)(call.input, call as CallContext<unknown>);
      await (this.config.middleware.length === 0 ? run() : this.withMiddleware(call, run));
    } catch (err) {
      if (!(err instanceof RpcError)) this.report(err, call);
    } finally {
      this.release();
    }
  }

  private openStreamSlot(id: number): boolean {
    if (this.streams < this.config.limits.maxStreams) return true;
    this.sendError(id, new RpcError('TOO_MANY_REQUESTS', `more than ${this.config.limits.maxStreams} streams open`));
    return false;
  }

  private onStream(env: unknown[]): void {
    const id = this.readId(env);
    if (id === 0) return;
    const route = this.route(env, id);
    if (route === null || !this.checkKind(route, id, 'stream') || !this.openStreamSlot(id)) return;
    const credit = env[3];
    const lastEventId = env[4];
    if (typeof credit !== 'number' || !(credit >= 0) || (lastEventId !== null && typeof lastEventId !== 'string')) {
      this.sendError(id, new RpcError('BAD_REQUEST', 'bad stream envelope'));
      return;
    }
    const input = this.parseInput(route, id, env[5]);
    if (input === FAILED) return;
    const call = new ServerStreamCall<C>(this.conn, route.info.name, 'stream', id, input, lastEventId ?? undefined, this.publisher);
    call.credit = credit;
    this.calls.set(id, call);
    this.streams++;
    void this.runStream(call, route);
  }

  private async runStream(call: ServerStreamCall<C>, route: Route): Promise<void> {
    try {
      const pump = (): Promise<void> =>
        pumpStream(call, (route.handler as AnyHandler)(call.input, call as CallContext<unknown>) as AnyIterable, route.info.output, this.pumpIO);
      await (this.config.middleware.length === 0 ? pump() : this.withMiddleware(call, pump));
      if (!call.done) {
        call.done = true;
        this.send(this.codec.done(call.id));
      }
    } catch (err) {
      if (!call.done) {
        call.done = true;
        this.sendError(call.id, this.toError(err, call));
      }
    } finally {
      this.finish(call);
    }
  }

  private onClientStream(env: unknown[]): void {
    const id = this.readId(env);
    if (id === 0) return;
    const route = this.route(env, id);
    if (route === null || !this.checkKind(route, id, 'clientStream') || !this.openStreamSlot(id)) return;
    const window = this.config.limits.streamWindow;
    const call = new ClientStreamCall<C>(this.conn, route.info.name, id, window, this.sendCredit, this.publisher);
    this.calls.set(id, call);
    this.streams++;
    this.sendCredit(id, window);
    void this.runClientStream(call, route);
  }

  private async runClientStream(call: ClientStreamCall<C>, route: Route): Promise<void> {
    try {
      const run = (): unknown => (route.handler as AnyHandler)(call, call as CallContext<unknown>);
      const out = await (this.config.middleware.length === 0 ? run() : this.withMiddleware(call, run));
      if (call.done) return;
      const reply = this.codec.result(call.id, validate(route.info.output, out, 'INVALID_OUTPUT', 'output'));
      if (this.codec.exceeds(reply, this.config.limits.maxMessageSize)) {
        throw new RpcError('PAYLOAD_TOO_LARGE', `result exceeds ${this.config.limits.maxMessageSize} bytes`);
      }
      call.done = true;
      this.send(reply);
    } catch (err) {
      if (!call.done) {
        call.done = true;
        this.sendError(call.id, this.toError(err, call));
      }
    } finally {
      this.finish(call);
    }
  }

  private onPush(env: unknown[]): void {
    const call = this.calls.get(env[1] as number);
    if (!(call instanceof ClientStreamCall) || call.done) return;
    if (!call.spend()) {
      this.failClientStream(call, new RpcError('BAD_REQUEST', 'client stream sent beyond its credit'));
      return;
    }
    const schema = this.config.routes.get(call.method)?.info.input ?? null;
    try {
      call.push(validate(schema, env[2], 'BAD_REQUEST', 'stream item'));
    } catch (err) {
      this.failClientStream(call, err as RpcError);
    }
  }

  private failClientStream(call: ClientStreamCall<C>, err: RpcError): void {
    this.sendError(call.id, err);
    this.finish(call);
    call.abort(err);
  }

  private onEnd(env: unknown[]): void {
    const call = this.calls.get(env[1] as number);
    if (call instanceof ClientStreamCall) call.end();
  }

  private onCredit(env: unknown[]): void {
    const call = this.calls.get(env[1] as number);
    const n = env[2];
    if (call instanceof ServerStreamCall && typeof n === 'number' && n > 0) call.grant(n);
  }

  private onCancel(env: unknown[]): void {
    const call = this.calls.get(env[1] as number);
    if (call === undefined) return;
    this.finish(call);
    call.abort(CANCELLED);
  }

  /** Forgets a call (idempotent) and frees its stream slot. */
  private finish(call: ServerCall<C>): void {
    if (this.calls.get(call.id) !== call) return;
    this.calls.delete(call.id);
    if (call.kind === 'stream' || call.kind === 'clientStream') this.streams--;
  }
}

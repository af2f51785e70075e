import type { CallMeta, EnvelopeCodec, WireData } from './codec.js';
import * as Kind from './kinds.js';
import { FAULT, parseEnvelope, type CallEnvelope, type ClientStreamEnvelope, type EnvelopeFault, type NotifyEnvelope, type StreamEnvelope } from './envelope-parse.js';
import { RpcError, toRpcError } from './errors.js';
import { handlerError, runWithMiddleware, type ErrorReporting } from './handler-run.js';
import { IdTable } from './id-table.js';
import type { ServerLimits } from './limits.js';
import type { CallContext, Middleware } from './handlers.js';
import { observeRefusal, type CallObserver } from './observe.js';
import { OutboundGate } from './outbound-gate.js';
import { ClientStreamCall, ServerCall, ServerStreamCall, type CallPublisher } from './server-calls.js';
import { SessionTopics } from './server-topics.js';
import { isThenable, pumpStream, type AnyIterable, type PumpIO } from './server-stream-pump.js';
import type { CodecName } from './envelope.js';
import { validate, type MethodInfo, type MethodKind } from './service.js';
import type { RpcSocket } from './socket.js';
import type { TopicHub } from './topic-hub.js';

/** A method with its handler, built once per server. */
export interface Route {
  readonly info: MethodInfo;
  readonly handler: (...args: never[]) => unknown;
  /** Per codec: whether the output schema proved its values need no codec walk (plain-schema.ts). */
  readonly plainOutput: Readonly<Record<CodecName, boolean>>;
}

/** What every session of one server shares. */
export interface SessionConfig<C> extends ErrorReporting<C> {
  readonly routes: ReadonlyMap<string, Route>;
  readonly middleware: readonly Middleware<C>[];
  readonly limits: ServerLimits;
  /** The service's topics, or null when it has none. */
  readonly topics: TopicHub | null;
  /** Who watches the calls (their handlers are wrapped already); told here of the calls refused before their handler. */
  readonly observers: readonly CallObserver[];
}

type AnyHandler = (a: unknown, ctx: CallContext<unknown>) => unknown;
type OpeningEnvelope = CallEnvelope | StreamEnvelope | ClientStreamEnvelope;

const UNAVAILABLE = new RpcError('UNAVAILABLE', 'connection closed');
const SHUTTING_DOWN = new RpcError('UNAVAILABLE', 'server shutting down');
/** A call that reached a draining server: refused without running, so the client may send it elsewhere. */
const NOT_RUN = new RpcError('UNAVAILABLE', 'server shutting down: the call was not run', { notRun: true });
const CANCELLED = new RpcError('CANCELLED', 'cancelled by the client');

const METHOD_KIND: Record<OpeningEnvelope['kind'], MethodKind> = {
  [Kind.Call]: 'unary',
  [Kind.Stream]: 'stream',
  [Kind.ClientStream]: 'clientStream',
};

/**
 * The server side of one connection: parses envelopes, admits calls against
 * the limits, runs handlers with validation, middleware, flow control and
 * cancellation, and encodes the answers. Transport-agnostic: an adapter feeds
 * `receive` and calls `close`.
 *
 * Everything goes out through the OutboundGate: while the connection is over
 * its outbound budget, results wait (their call keeps its in-flight slot),
 * stream pumps wait, and admitted calls wait in their slot before their
 * handler starts.
 */
export class ServerSession<C> {
  private readonly calls = new IdTable<ServerCall<C>>();
  private inFlight = 0;
  private streams = 0;
  private isClosed = false;
  private draining = false;
  private idle: (() => void) | null = null;
  private readonly gate: OutboundGate;
  private readonly release = (): void => {
    this.inFlight--;
    this.checkIdle();
  };
  private readonly releaseStream = (): void => {
    this.streams--;
    this.checkIdle();
  };
  private readonly sendCredit = (id: number, n: number): void => {
    this.send(this.codec.credit(id, n));
  };
  private readonly pumpIO: PumpIO;
  private readonly topics: SessionTopics<C> | null;
  private readonly publisher: CallPublisher;

  constructor(
    private readonly config: SessionConfig<C>,
    socket: RpcSocket,
    readonly codec: EnvelopeCodec,
    readonly conn: C,
  ) {
    const gate = new OutboundGate(socket);
    this.gate = gate;
    this.pumpIO = {
      codec,
      maxMessageSize: config.limits.maxMessageSize,
      send: (data) => gate.send(data),
      writable: () => gate.writable(),
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
            reply: (d) => this.gate.send(d, true),
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
    let decoded: unknown;
    try {
      decoded = codec.decode(data);
    } catch {
      this.connectionError('malformed message');
      return;
    }
    // topic envelopes have their own parsers (server-topics.ts)
    if (this.topics !== null && Array.isArray(decoded) && this.topics.receive(decoded)) return;
    const env = parseEnvelope(decoded);
    switch (env.kind) {
      case FAULT:
        return this.onFault(env);
      case Kind.Call:
      case Kind.Stream:
      case Kind.ClientStream:
        return this.admit(env);
      case Kind.Notify:
        return this.admitNotify(env);
      case Kind.Push:
        return this.onPush(env.id, env.item);
      case Kind.Credit:
        return this.onCredit(env.id, env.n);
      case Kind.End: {
        const call = this.calls.get(env.id);
        if (call instanceof ClientStreamCall) call.end();
        return;
      }
      case Kind.Cancel:
        return this.onCancel(env.id);
      case Kind.Ping:
        this.send(codec.pong(env.n));
        return;
      case Kind.Pong:
        return;
      default:
        this.connectionError(`unexpected envelope kind ${env.kind} from a client`);
    }
  }

  /** The transport closed: every open call is aborted with UNAVAILABLE. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const call of this.calls.values()) call.abort(UNAVAILABLE);
    this.calls.clear();
    this.topics?.close();
    // Whatever waited for the budget now runs to its end: nothing is sent, slots are released, pumps return.
    this.gate.close();
    this.resolveIdle();
  }

  /**
   * Graceful shutdown: new calls are refused with UNAVAILABLE, server streams
   * end (their handlers see UNAVAILABLE), the client is told to reconnect
   * elsewhere (GoAway); resolves once every call still running has finished.
   */
  drain(graceMs: number): Promise<void> {
    if (!this.draining && !this.isClosed) {
      this.draining = true;
      for (const call of this.calls.values()) {
        if (call.kind === 'stream') {
          this.forget(call);
          call.abort(SHUTTING_DOWN);
        }
      }
      this.send(this.codec.goAway(graceMs));
    }
    if (this.isClosed || this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => {
      const prev = this.idle;
      this.idle = () => {
        prev?.();
        resolve();
      };
    });
  }

  private isIdle(): boolean {
    return this.inFlight === 0 && this.streams === 0;
  }

  private checkIdle(): void {
    if (this.idle !== null && this.isIdle()) this.resolveIdle();
  }

  private resolveIdle(): void {
    const done = this.idle;
    this.idle = null;
    done?.();
  }

  private send(data: WireData): void {
    this.gate.send(data);
  }

  private sendError(id: number, err: RpcError): void {
    this.send(this.codec.error(id, err.code, err.message, err.data));
  }

  private connectionError(message: string): void {
    this.sendError(0, new RpcError('BAD_REQUEST', message));
  }

  /**
   * Answers an envelope that failed to parse, once: for an id in use by a
   * running call, a bad opening envelope is a duplicate (connection-level
   * error, the running call keeps its one answer) and a bad control envelope
   * fails that call; otherwise an opening envelope is answered for its id
   * and a control envelope for no open call is ignored.
   */
  private onFault(f: EnvelopeFault): void {
    if (f.id === 0) return this.connectionError(f.message);
    const open = this.calls.get(f.id);
    if (f.opens) {
      if (open !== undefined) this.connectionError(`call id ${f.id} is in use`);
      else this.sendError(f.id, new RpcError('BAD_REQUEST', f.message));
    } else if (open !== undefined) {
      this.failOpenCall(open, new RpcError('BAD_REQUEST', f.message));
    }
  }

  private rejectOversized(data: WireData): void {
    const head = this.codec.peek(data);
    const err = new RpcError('PAYLOAD_TOO_LARGE', `message exceeds ${this.config.limits.maxMessageSize} bytes`);
    if (head === null || head.id <= 0 || head.kind === Kind.Notify) {
      this.sendError(0, err);
      return;
    }
    const open = this.calls.get(head.id);
    const opens = head.kind === Kind.Call || head.kind === Kind.Stream || head.kind === Kind.ClientStream;
    if (open !== undefined) {
      if (opens) this.connectionError(`call id ${head.id} is in use`);
      else this.failOpenCall(open, err);
    } else if (opens) {
      this.sendError(head.id, err);
    }
  }

  /** Answers `err` for a running call and stops it; its slot is freed when its handler returns. */
  private failOpenCall(call: ServerCall<C>, err: RpcError): void {
    this.forget(call);
    if (!call.done) this.sendError(call.id, err);
    call.abort(err);
  }

  /**
   * Admits a call in one step: its id must be free, its method known and of
   * the envelope's kind, the server not draining, a slot free and its input
   * valid. The call then takes its slot and its handler starts, at once or
   * when the outbound budget has room.
   */
  private admit(env: OpeningEnvelope): void {
    const { id } = env;
    if (this.calls.get(id) !== undefined) {
      this.connectionError(`call id ${id} is in use`);
      return;
    }
    const kind = METHOD_KIND[env.kind];
    const route = this.routeFor(env.method, kind);
    if (route instanceof RpcError) {
      this.refuse(id, env.method, kind, env.meta, route);
      return;
    }
    const { limits } = this.config;
    if (env.kind === Kind.Call) {
      if (this.inFlight >= limits.maxInFlight) {
        this.refuse(id, env.method, kind, env.meta, new RpcError('TOO_MANY_REQUESTS', `more than ${limits.maxInFlight} calls in flight`));
        return;
      }
    } else if (this.streams >= limits.maxStreams) {
      this.refuse(id, env.method, kind, env.meta, new RpcError('TOO_MANY_REQUESTS', `more than ${limits.maxStreams} streams open`));
      return;
    }
    let input: unknown;
    if (env.kind !== Kind.ClientStream) {
      try {
        input = validate(route.info.input, env.input, 'BAD_REQUEST', 'input');
      } catch (e) {
        this.refuse(id, env.method, kind, env.meta, e as RpcError);
        return;
      }
    }
    switch (env.kind) {
      case Kind.Call: {
        const call = new ServerCall<C>(this.conn, route.info.name, 'unary', id, input, undefined, this.publisher);
        call.meta = env.meta;
        this.inFlight++;
        // the common case starts at once, without a closure
        if (this.gate.open) this.runUnary(call, route);
        else this.startWhenWritable(call, () => this.runUnary(call, route));
        return;
      }
      case Kind.Stream: {
        const call = new ServerStreamCall<C>(this.conn, route.info.name, 'stream', id, input, env.lastEventId, this.publisher);
        call.credit = env.credit;
        call.meta = env.meta;
        this.streams++;
        this.startWhenWritable(call, () => void this.runStream(call, route));
        return;
      }
      case Kind.ClientStream: {
        const window = limits.streamWindow;
        const call = new ClientStreamCall<C>(this.conn, route.info.name, id, window, this.sendCredit, this.publisher);
        call.meta = env.meta;
        this.streams++;
        this.startWhenWritable(call, () => {
          this.sendCredit(id, window);
          void this.runClientStream(call, route);
        });
      }
    }
  }

  /** Answers a call (id 0: a notification) refused before its handler, and shows it to the observers. */
  private refuse(id: number, method: string, kind: MethodKind, meta: CallMeta | undefined, err: RpcError): void {
    this.sendError(id, err);
    const { observers } = this.config;
    if (observers.length === 0) return;
    const call = new ServerCall<C>(this.conn, method, kind, id, undefined, undefined, this.publisher);
    call.meta = meta;
    call.done = true;
    observeRefusal(observers, call as CallContext<unknown>, err.code);
  }

  /** The route for a method of the wanted kind, or the error refusing it. */
  private routeFor(method: string, kind: MethodKind): Route | RpcError {
    const route = this.config.routes.get(method);
    if (route === undefined) return new RpcError('NOT_FOUND', `no method ${method}`);
    if (route.info.kind !== kind) return new RpcError('BAD_REQUEST', `${route.info.name} is a ${route.info.kind} method`);
    if (this.draining) return NOT_RUN;
    return route;
  }

  /** Files the call under its id and runs `start` now, or once the outbound budget has room. */
  private startWhenWritable(call: ServerCall<C>, start: () => void): void {
    if (this.gate.open) {
      if (call.kind !== 'unary') this.calls.set(call.id, call);
      start();
      return;
    }
    this.calls.set(call.id, call);
    this.gate.start(() => {
      if (!call.done) start();
      else if (call.kind === 'unary') this.release();
      else this.releaseStream();
    });
  }

  private runUnary(call: ServerCall<C>, route: Route): void {
    const handler = route.handler as AnyHandler;
    let out: unknown;
    try {
      out =
        this.config.middleware.length > 0
          ? runWithMiddleware(this.config.middleware, call, () => handler(call.input, call as CallContext<unknown>))
          : handler(call.input, call as CallContext<unknown>);
    } catch (err) {
      this.forget(call);
      this.reply(call, route, false, err, this.release);
      return;
    }
    // A synchronous handler is answered at once: no promise, no entry in the call table.
    if (!isThenable(out)) {
      this.forget(call);
      this.reply(call, route, true, out, this.release);
      return;
    }
    this.calls.set(call.id, call);
    void this.awaitUnary(call, route, out);
  }

  private async awaitUnary(call: ServerCall<C>, route: Route, pending: PromiseLike<unknown>): Promise<void> {
    let ok = true;
    let out: unknown;
    try {
      out = await pending;
    } catch (err) {
      ok = false;
      out = err;
    }
    this.forget(call);
    this.reply(call, route, ok, out, this.release);
  }

  /**
   * Replies to a call in one step, once the outbound budget has room: its
   * result (a stream: Done) or its error, unless the call was cancelled or
   * failed already; then frees its slot. A result that fails its schema or
   * is too large becomes the error.
   */
  private reply(call: ServerCall<C>, route: Route, ok: boolean, value: unknown, free: () => void): void {
    // the common case answers at once, without a closure
    if (this.gate.open) this.answer(call, route, ok, value, free);
    else this.gate.answer(() => this.answer(call, route, ok, value, free));
  }

  private answer(call: ServerCall<C>, route: Route, ok: boolean, value: unknown, free: () => void): void {
    if (!call.done && !this.isClosed) {
      call.done = true;
      this.gate.send(ok ? this.encodeResult(call, route, value) : this.encodeError(call, value), call.published);
    }
    free();
  }

  private encodeResult(call: ServerCall<C>, route: Route, out: unknown): WireData {
    if (call.kind === 'stream') return this.codec.done(call.id);
    try {
      const reply = this.codec.result(call.id, validate(route.info.output, out, 'INVALID_OUTPUT', 'output'), route.plainOutput[this.codec.name]);
      if (this.codec.exceeds(reply, this.config.limits.maxMessageSize)) {
        throw new RpcError('PAYLOAD_TOO_LARGE', `result exceeds ${this.config.limits.maxMessageSize} bytes`);
      }
      return reply;
    } catch (err) {
      return this.encodeError(call, err);
    }
  }

  private encodeError(call: ServerCall<C>, err: unknown): WireData {
    const e = handlerError(err, call, this.config);
    return this.codec.error(call.id, e.code, e.message, e.data);
  }

  private admitNotify(env: NotifyEnvelope): void {
    const route = this.config.routes.get(env.method);
    const { method, meta } = env;
    if (route === undefined || route.info.kind !== 'notify') {
      this.refuse(0, method, 'notify', meta, new RpcError('BAD_REQUEST', `no notification ${method}`));
      return;
    }
    if (this.draining) {
      this.refuse(0, method, 'notify', meta, new RpcError('UNAVAILABLE', `notification ${method} dropped: server shutting down`));
      return;
    }
    if (this.inFlight >= this.config.limits.maxInFlight) {
      this.refuse(0, method, 'notify', meta, new RpcError('TOO_MANY_REQUESTS', `notification ${method} dropped: too many calls in flight`));
      return;
    }
    let input: unknown;
    try {
      input = validate(route.info.input, env.input, 'BAD_REQUEST', 'input');
    } catch (err) {
      this.refuse(0, method, 'notify', meta, err as RpcError);
      return;
    }
    this.inFlight++;
    const call = new ServerCall<C>(this.conn, route.info.name, 'notify', 0, input, undefined, this.publisher);
    call.meta = env.meta;
    this.gate.start(() => (this.isClosed ? this.release() : void this.runNotify(call, route)));
  }

  private async runNotify(call: ServerCall<C>, route: Route): Promise<void> {
    try {
      const run = (): unknown => (route.handler as AnyHandler)(call.input, call as CallContext<unknown>);
      await runWithMiddleware(this.config.middleware, call, run);
    } catch (err) {
      handlerError(err, call, this.config); // a notification has no one to answer: the error is only reported
    } finally {
      this.release();
    }
  }

  private async runStream(call: ServerStreamCall<C>, route: Route): Promise<void> {
    let ok = true;
    let failure: unknown;
    try {
      const pump = (): Promise<void> =>
        pumpStream(
          call,
          (route.handler as AnyHandler)(call.input, call as CallContext<unknown>) as AnyIterable,
          route.info.output,
          this.pumpIO,
          route.plainOutput[this.codec.name],
        );
      await runWithMiddleware(this.config.middleware, call, pump);
    } catch (err) {
      ok = false;
      failure = err;
    }
    this.forget(call);
    this.reply(call, route, ok, failure, this.releaseStream);
  }

  private async runClientStream(call: ClientStreamCall<C>, route: Route): Promise<void> {
    let ok = true;
    let out: unknown;
    try {
      const run = (): unknown => (route.handler as AnyHandler)(call, call as CallContext<unknown>);
      out = await runWithMiddleware(this.config.middleware, call, run);
    } catch (err) {
      ok = false;
      out = err;
    }
    this.forget(call);
    this.reply(call, route, ok, out, this.releaseStream);
  }

  private onPush(id: number, item: unknown): void {
    const call = this.calls.get(id);
    if (!(call instanceof ClientStreamCall) || call.done) return;
    if (!call.spend()) {
      this.failOpenCall(call, new RpcError('BAD_REQUEST', 'client stream sent beyond its credit'));
      return;
    }
    const schema = this.config.routes.get(call.method)?.info.input ?? null;
    try {
      call.push(validate(schema, item, 'BAD_REQUEST', 'stream item'));
    } catch (err) {
      this.failOpenCall(call, err as RpcError);
    }
  }

  private onCredit(id: number, n: number): void {
    const call = this.calls.get(id);
    if (!(call instanceof ServerStreamCall) || call.done) return;
    if (!call.grant(n)) this.failOpenCall(call, new RpcError('BAD_REQUEST', 'stream credit beyond the maximum'));
  }

  /** Stops a call; its id is free at once, its slot when its handler has finished. */
  private onCancel(id: number): void {
    const call = this.calls.get(id);
    if (call === undefined) return;
    this.forget(call);
    call.abort(CANCELLED);
  }

  /** Frees a call's id (idempotent); its slot is released by whoever runs its handler. */
  private forget(call: ServerCall<C>): void {
    if (this.calls.get(call.id) === call) this.calls.delete(call.id);
  }
}

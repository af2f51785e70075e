import type { Engine } from '../engine/engine.js';
import type { WireData } from './codec.js';
import { envelopeCodec } from './codecs.js';
import { codecForProtocol, type CodecName } from './envelope.js';
import type { CallContext, Handlers, Middleware, Publish } from './handlers.js';
import { observeHandler, type CallObserver } from './observe.js';
import { DEFAULT_RPC_LIMITS, type ServerLimits } from './limits.js';
import { ServerSession, type Route, type SessionConfig } from './server-session.js';
import { describeRoute } from './introspection.js';
import { isPlainSchema } from './plain-schema.js';
import type { MethodInfo, Service, ServiceDef } from './service.js';
import type { RpcSocket } from './socket.js';
import type { StreamPosition } from './topic.js';
import { mapFanout, type Fanout } from './topic-fanout.js';
import { ChannelNames } from './channel-names.js';
import { DEFAULT_TOPIC_LIMITS, TopicHub, type TopicLimits, type TopicRoute } from './topic-hub.js';

/** Options of createServer that do not depend on the transport. */
export interface RouterOptions<C> {
  /** Middleware around every call, outermost first. */
  middleware?: Middleware<C>[];
  limits?: Partial<ServerLimits & TopicLimits>;
  /**
   * Where topics publish, keep history and presence; needed by a service with
   * topics (createServer defaults it to memoryEngine(), this process only).
   * The server closes it when it closes.
   */
  engine?: Engine;
  /** Send messages and stacks of unexpected handler errors to clients (development only). */
  exposeErrors?: boolean;
  /** Observes unexpected handler errors (they reach the client as INTERNAL). */
  onError?: (err: unknown, ctx: CallContext<C>) => void;
  /** Codecs offered to clients, by preference (default both, msgpack first). */
  codecs?: CodecName[];
  /** Answer the reserved method `$describe` with the service's methods as JSON Schema (what `zwire describe` shows). Default off. */
  introspection?: boolean;
  /** Watch every handler call (createServer adds diagnostics_channel and OpenTelemetry; see docs/observability.md). */
  observers?: readonly CallObserver[];
}

/** One served connection: feed it messages, tell it when the transport closed. */
export interface RpcConnection {
  /** Feeds one message; a returned promise asks the transport to read nothing more until it settles. */
  receive(data: WireData): void | Promise<void>;
  close(): void;
  /**
   * Graceful shutdown of this connection: sends GoAway, refuses new calls,
   * ends server streams; resolves when the calls still running have finished.
   * The caller closes the transport afterwards (or when its grace period ends).
   */
  drain(graceMs: number): Promise<void>;
}

/**
 * The transport-independent part of a server: routes, limits, middleware.
 * `attach` serves one connection over any RpcSocket.
 */
export class RpcRouter<S extends ServiceDef, C> {
  readonly service: Service<S>;
  readonly codecs: readonly CodecName[];
  private readonly config: SessionConfig<C>;

  constructor(service: Service<S>, handlers: Handlers<S, C>, options: RouterOptions<C> = {}) {
    const routes = new Map<string, Route>();
    for (const [name, info] of service.table) {
      const handler = (handlers as Record<string, unknown>)[name];
      if (typeof handler !== 'function') throw new TypeError(`no handler for method ${name}`);
      routes.set(name, { info, handler: observeHandler(options.observers ?? [], info.kind, handler as Route['handler']), plainOutput: plainOutput(info) });
    }
    if (options.introspection === true) {
      const { info, handler } = describeRoute(service);
      routes.set(info.name, { info, handler, plainOutput: plainOutput(info) });
    }
    this.service = service;
    this.codecs = options.codecs ?? ['msgpack', 'json'];
    const limits = { ...DEFAULT_RPC_LIMITS, ...options.limits };
    this.config = {
      routes,
      middleware: options.middleware ?? [],
      limits,
      exposeErrors: options.exposeErrors,
      onError: options.onError,
      topics: topicHub(service, handlers, options, limits.maxMessageSize, this.createFanout()),
      observers: options.observers ?? [],
    };
  }

  /**
   * Publishes on a topic from anywhere (outside any call too): the message is
   * validated once (an invalid one rejects with BAD_REQUEST and nothing is
   * sent); resolves with its position once the engine has it.
   */
  readonly publish: Publish<S> = (topic, key, message) => this.publishAny(topic, key, message);

  private publishAny(topic: string, key: unknown, message: unknown): Promise<StreamPosition> {
    const hub = this.config.topics;
    if (hub === null) return Promise.reject(new TypeError('the service has no topics'));
    return hub.publish(topic, key, message);
  }

  /**
   * Who delivers the topics' publications on this node (called once, while
   * constructing): a transport that can write one shared frame to many
   * sockets overrides it.
   */
  protected createFanout(): Fanout {
    return mapFanout();
  }

  /** Closes the topics' engine; the server calls it when it closes. */
  protected closeTopics(): Promise<void> {
    return this.config.topics?.close() ?? Promise.resolve();
  }

  get limits(): ServerLimits {
    return this.config.limits;
  }

  /** Picks the subprotocol to answer from those a client offered, or null if none is an RPC codec we serve. */
  selectProtocol(offered: readonly string[]): string | null {
    for (const p of offered) {
      const codec = codecForProtocol(p);
      if (codec !== null && this.codecs.includes(codec)) return p;
    }
    return null;
  }

  /** Serves one connection whose subprotocol was negotiated as `protocol`. */
  attach(socket: RpcSocket, protocol: string, conn: C): RpcConnection {
    const codec = codecForProtocol(protocol);
    if (codec === null || !this.codecs.includes(codec)) throw new TypeError(`not an RPC subprotocol this server serves: ${protocol}`);
    return new ServerSession<C>(this.config, socket, envelopeCodec(codec), conn);
  }
}

/** Whether a method's results (a stream's items) need no codec walk, per codec: decided once, here. */
function plainOutput(info: MethodInfo): Record<CodecName, boolean> {
  return { json: isPlainSchema(info.output, 'json'), msgpack: isPlainSchema(info.output, 'msgpack') };
}

/** Builds the topics' hub when the service has topics, checking their handler objects. */
function topicHub<S extends ServiceDef, C>(
  service: Service<S>,
  handlers: Handlers<S, C>,
  options: RouterOptions<C>,
  maxMessageSize: number,
  fanout: Fanout,
): TopicHub | null {
  if (service.topics.size === 0) return null;
  const routes = new Map<string, TopicRoute>();
  for (const [name, info] of service.topics) {
    const h = (handlers as Record<string, unknown>)[name] ?? {};
    if (typeof h !== 'object' || h === null) throw new TypeError(`topic ${name}: its handlers must be an object (or left out)`);
    const { subscribe, publish } = h as Partial<Record<'subscribe' | 'publish', unknown>>;
    if ((subscribe !== undefined && typeof subscribe !== 'function') || (publish !== undefined && typeof publish !== 'function')) {
      throw new TypeError(`topic ${name}: subscribe and publish must be functions`);
    }
    routes.set(name, {
      info,
      subscribe: subscribe as TopicRoute['subscribe'],
      publish: publish as TopicRoute['publish'],
      plainMessage: isPlainSchema(info.message, 'msgpack'),
      channels: new ChannelNames(name, info.key),
    });
  }
  if (options.engine === undefined) throw new TypeError('a service with topics needs an engine (memoryEngine() for one process)');
  const limits = { ...DEFAULT_TOPIC_LIMITS, ...options.limits };
  return new TopicHub(routes, options.engine, fanout, limits, maxMessageSize);
}

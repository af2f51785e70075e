import type { WireData } from './codec.js';
import { envelopeCodec } from './codecs.js';
import { codecForProtocol, type CodecName } from './envelope.js';
import type { CallContext, Handlers, Middleware } from './handlers.js';
import { observeHandler, type CallObserver } from './observe.js';
import { DEFAULT_LIMITS, ServerSession, type Route, type ServerLimits } from './server-session.js';
import type { Service, ServiceDef } from './service.js';
import type { RpcSocket } from './socket.js';

/** Options of createServer that do not depend on the transport. */
export interface RouterOptions<C> {
  /** Middleware around every call, outermost first. */
  middleware?: Middleware<C>[];
  limits?: Partial<ServerLimits>;
  /** Send messages and stacks of unexpected handler errors to clients (development only). */
  exposeErrors?: boolean;
  /** Observes unexpected handler errors (they reach the client as INTERNAL). */
  onError?: (err: unknown, ctx: CallContext<C>) => void;
  /** Codecs offered to clients, by preference (default both, msgpack first). */
  codecs?: CodecName[];
  /** Watch every handler call (createServer adds diagnostics_channel and OpenTelemetry; see docs/observability.md). */
  observers?: readonly CallObserver[];
}

/** One served connection: feed it messages, tell it when the transport closed. */
export interface RpcConnection {
  /** Feeds one message; a returned promise asks the transport to read nothing more until it settles. */
  receive(data: WireData): void | Promise<void>;
  close(): void;
}

/**
 * The transport-independent part of a server: routes, limits, middleware.
 * `attach` serves one connection over any RpcSocket.
 */
export class RpcRouter<S extends ServiceDef, C> {
  readonly service: Service<S>;
  readonly codecs: readonly CodecName[];
  private readonly config;

  constructor(service: Service<S>, handlers: Handlers<S, C>, options: RouterOptions<C> = {}) {
    const routes = new Map<string, Route>();
    for (const [name, info] of service.table) {
      const handler = (handlers as Record<string, unknown>)[name];
      if (typeof handler !== 'function') throw new TypeError(`no handler for method ${name}`);
      routes.set(name, { info, handler: observeHandler(options.observers ?? [], info.kind, handler as Route['handler']) });
    }
    this.service = service;
    this.codecs = options.codecs ?? ['msgpack', 'json'];
    this.config = {
      routes,
      middleware: options.middleware ?? [],
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      exposeErrors: options.exposeErrors,
      onError: options.onError,
    };
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

import type { DeflateOptions } from '../deflate/index.js';
import { DEFAULT_RPC_MESSAGE_SIZE, DEFAULT_STREAM_WINDOW, MAX_CREDIT, RESERVED_NAMES, Subprotocol, type CodecName, type EnvelopeCodec, type Service, type ServiceDef } from '../rpc/protocol.js';
import { reconnectPolicy, type ReconnectOptions } from './rpc-backoff.js';
import { resolveCodec } from './rpc-codec.js';
import { RpcClientCore } from './rpc-core.js';
import type { ClientEvents, ClientState } from './rpc-events.js';
import { withHello, type ConnectionParams } from './rpc-hello.js';
import { LazyCall } from './rpc-lazy-call.js';
import { registeredTopics } from './rpc-topic-support.js';
import { methodsFromDefinition } from './rpc-methods.js';
import type { CallOptions, ClientMethods, NotifyName, ResumableName, TypesOnlyMethods } from './rpc-types.js';
import { inBandUrl, type TransportFactory } from './transport.js';
import { webSocketTransport, type WebSocketConstructor } from './transport-websocket.js';

/** How long the client waits for the server to accept its Hello. */
const HELLO_TIMEOUT_MS = 10_000;

/** Options of createClient. */
export interface ClientOptions {
  /**
   * Envelope codec, negotiated as a subprotocol (default 'json'). 'msgpack' works
   * in zwire/client; in a browser bundle pass `msgpack` from zwire/client/msgpack.
   */
  codec?: CodecName | EnvelopeCodec;
  /** Default per-call timeout in ms for unary calls and client streams (default 30 000; 0 = none). */
  timeoutMs?: number;
  /** Validate results and stream items against the service's schemas (default true; a types-only client has none). */
  validate?: boolean;
  /** Reconnect with jittered exponential backoff (default on), or false. */
  reconnect?: ReconnectOptions | false;
  /** Calls made while disconnected wait in a queue of this size (default 1024); 0 = they fail fast with UNAVAILABLE. */
  maxQueue?: number;
  /** Heartbeat interval in ms; a connection silent for two intervals is dropped (default 15 000; 0 = off). */
  heartbeatMs?: number;
  /** Server-stream items the server may send ahead of the consumer (default 64, at most MAX_CREDIT = 2^20). */
  streamWindow?: number;
  /** Largest message the client sends, in bytes; larger calls fail with PAYLOAD_TOO_LARGE (default 1 MiB). */
  maxMessageSize?: number;
  /**
   * Connection parameters, e.g. an auth token: sent in-band as the first message, not in the URL
   * (the server's `context` hook reads them as `info.params`). zwire's transports (the default,
   * `zwireTransport`, `webSocketTransport`) carry them; a custom `transport` does when its
   * connections say `inBand` (see ClientTransport). A function is called again before
   * every (re)connect, e.g. to fetch a fresh token; after the server closes a connection whose
   * parameters expired (4440), the client calls it and reconnects at once.
   */
  params?: ConnectionParams;
  /** Extra handshake headers (zwire's Node client only; browsers cannot set them). */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** Offer permessage-deflate (zwire's Node client only; browsers negotiate it themselves). */
  deflate?: boolean | DeflateOptions;
  /** Open the connection over HTTP/2 (RFC 8441), sharing one session per origin (zwire's Node client only; default false). */
  http2?: boolean;
  /** Use this WHATWG WebSocket class instead of zwire's Node client (browsers, `ws`). */
  WebSocket?: WebSocketConstructor;
  /** A custom transport; overrides `WebSocket` and the URL. */
  transport?: TransportFactory;
}

/** The client's own members next to the service's methods. */
export interface ClientControl {
  /** Current connection state. */
  readonly state: ClientState;
  /** Subscribes to 'state' or 'error'; returns the unsubscribe function. */
  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void;
  /** Resolves once connected. */
  ready(): Promise<void>;
  /** Closes the connection; pending calls fail with UNAVAILABLE. */
  close(): Promise<void>;
}

/** A typed RPC client for service S. */
export type RpcClient<S extends ServiceDef> = ClientMethods<S> & ClientControl;

/**
 * Where the client connects: one URL, several tried in turn (each new
 * connection attempt takes the next one), or a function asked before every
 * attempt (for instance to pick another node after a server's GoAway).
 */
export type ClientUrl = string | URL | readonly (string | URL)[] | (() => string | URL | Promise<string | URL>);

/** A service definition rather than a URL (list or function): it carries its method table. */
function isService(v: Service | ClientUrl): v is Service {
  return typeof v === 'object' && 'table' in v;
}

function urlPicker(url: ClientUrl): () => string | URL | Promise<string | URL> {
  if (typeof url === 'function') return url;
  if (typeof url === 'string' || url instanceof URL) return () => url;
  if (url.length === 0) throw new TypeError('createClient needs at least one URL');
  let next = 0;
  return () => url[next++ % url.length];
}

/** Picks the URL, resolves headers and opens one connection with the default transport, announcing in-band parameters in the URL. */
function connectWithDefaults(url: ClientUrl, options: ClientOptions): TransportFactory {
  const pick = urlPicker(url);
  return async (protocols, events, signal) => {
    const { params, headers, ...rest } = options;
    const target = inBandUrl(await pick());
    const resolvedHeaders = typeof headers === 'function' ? await headers() : headers;
    return defaultTransport(target, { ...rest, headers: resolvedHeaders })(protocols, events, signal);
  };
}

/** Builds the transport for a URL when the caller named none; zwire's Node client registers itself here. */
export type DefaultTransport = (url: string, options: ResolvedConnectOptions) => TransportFactory;

/** ClientOptions with `params` and `headers` resolved for one connection attempt. */
export interface ResolvedConnectOptions extends Omit<ClientOptions, 'params' | 'headers'> {
  headers?: Record<string, string>;
}

let nodeDefault: DefaultTransport | null = null;

/** Makes `createClient` use this transport when no `transport` or `WebSocket` option is given (zwire/client registers its Node client). */
export function setDefaultTransport(make: DefaultTransport): void {
  nodeDefault = make;
}

function defaultTransport(url: string, options: ResolvedConnectOptions): TransportFactory {
  if (options.WebSocket !== undefined) return webSocketTransport(url, options.WebSocket);
  if (nodeDefault !== null) return nodeDefault(url, options);
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global !== undefined) return webSocketTransport(url, global);
  throw new TypeError('no WebSocket available: pass the WebSocket option (or import zwire/client in Node)');
}

/** An options parameter that may be left out when nothing in it is required. */
type OptionalIfEmpty<O> = {} extends O ? [options?: O] : [options: O];

/** Options of a types-only client: with no definition at run time, it is told which methods are notifications and which streams resume. */
export type TypesOnlyOptions<S extends ServiceDef> = ClientOptions &
  ([NotifyName<S>] extends [never] ? { notify?: readonly never[] } : { /** Every notification method of the service (sent without an answer). */ notify: readonly NotifyName<S>[] }) & {
    /** Server streams to reopen after a reconnect with their last event id (as `resumable: true` in the definition). */
    resumable?: readonly ResumableName<S>[];
  };

/** A types-only RPC client for service S. */
export type TypesOnlyClient<S extends ServiceDef> = TypesOnlyMethods<S> & ClientControl;

/**
 * Creates a typed client for `service` at `url` (or several URLs, see
 * ClientUrl). Methods, inputs, results and
 * stream items are inferred from the service definition, and results and
 * stream items are validated against its schemas (option `validate`).
 */
export function createClient<S extends ServiceDef>(service: Service<S>, url: ClientUrl, options?: ClientOptions): RpcClient<S>;
/**
 * Creates a types-only client: `createClient<typeof service>(url)`. The
 * definition is used for its types alone, so neither it nor zod reaches the
 * bundle and nothing is validated on the client (the server validates). A
 * call is sent when it is awaited or iterated (see TypesOnlyMethod).
 */
export function createClient<T extends Service>(url: ClientUrl, ...options: OptionalIfEmpty<TypesOnlyOptions<T['methods']>>): TypesOnlyClient<T['methods']>;
export function createClient(first: Service | ClientUrl, second?: ClientUrl | ClientOptions, third?: ClientOptions): unknown {
  const service = isService(first) ? first : null;
  const url = service === null ? (first as ClientUrl) : (second as ClientUrl);
  const options: ClientOptions & { notify?: readonly string[]; resumable?: readonly string[] } = (service === null ? (second as ClientOptions | undefined) : third) ?? {};
  const codec = resolveCodec(options.codec);
  const core = new RpcClientCore({
    codec,
    protocols: [Subprotocol[codec.name]],
    // the default transports always announce in-band parameters; a custom one says so per connection (ClientTransport.inBand)
    factory: withHello(
      options.transport ?? connectWithDefaults(url, options),
      codec,
      async () => (typeof options.params === 'function' ? options.params() : options.params),
      HELLO_TIMEOUT_MS,
      options.transport === undefined,
    ),
    reconnect: options.reconnect === false ? null : reconnectPolicy(options.reconnect),
    maxQueue: options.maxQueue ?? 1024,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    maxMessageSize: options.maxMessageSize ?? DEFAULT_RPC_MESSAGE_SIZE,
    validate: service !== null && options.validate !== false ? service.validate : null,
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const window = Math.min(MAX_CREDIT, Math.max(1, Math.floor(options.streamWindow ?? DEFAULT_STREAM_WINDOW)));
  const control: Record<string, unknown> = service === null ? {} : methodsFromDefinition({ core, timeoutMs, window }, service);
  control.on = core.on.bind(core);
  control.ready = () => core.ready();
  control.close = () => core.close();
  Object.defineProperty(control, 'state', { get: () => core.state, enumerable: true });
  if (service !== null) return control;
  const lazy = { core, timeoutMs, window, notify: new Set(options.notify), resumable: new Set(options.resumable) };
  const methods = new Map<string, (input: unknown, o?: CallOptions) => LazyCall>();
  const topics = registeredTopics();
  return new Proxy(control, {
    get: (target, name, receiver) => {
      if (typeof name !== 'string' || RESERVED_NAMES.has(name)) return Reflect.get(target, name, receiver);
      let m = methods.get(name);
      if (m === undefined) {
        m = (input, o) => new LazyCall(lazy, name, input, o);
        // with topic support imported, any name may be a topic: its subscribe/publish ride on the same function
        if (topics !== null) Object.assign(m, topics(core, { name, message: null, presence: undefined, clientPublish: true }, timeoutMs));
        methods.set(name, m);
      }
      return m;
    },
  });
}

import type { DeflateOptions } from '../deflate/index.js';
import { envelopeCodec } from '../rpc/codecs.js';
import { MAX_CREDIT, Subprotocol, type CodecName } from '../rpc/envelope.js';
import { RpcError } from '../rpc/errors.js';
import type { MethodInfo, Service, ServiceDef } from '../rpc/service.js';
import { reconnectPolicy, type ReconnectOptions } from './rpc-backoff.js';
import { ClientStreamCall, NotifyCall, UnaryCall } from './rpc-calls.js';
import { RpcClientCore } from './rpc-core.js';
import type { ClientEvents, ClientState } from './rpc-events.js';
import { RpcStream } from './rpc-stream.js';
import type { CallOptions, ClientMethods } from './rpc-types.js';
import type { TransportFactory } from './transport.js';
import { webSocketTransport, type WebSocketConstructor } from './transport-websocket.js';

/** Options of createClient. */
export interface ClientOptions {
  /** Envelope codec, negotiated as a subprotocol (default 'json'). */
  codec?: CodecName;
  /** Default per-call timeout in ms for unary calls and client streams (default 30 000; 0 = none). */
  timeoutMs?: number;
  /** Validate results and stream items against the service's schemas (default true). */
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
   * Connection parameters, sent as URL query parameters (readable by the server's `context` hook).
   * A function is called again before every (re)connect, e.g. to fetch a fresh token.
   */
  params?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** Extra handshake headers (zwire's Node client only; browsers cannot set them). */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** Offer permessage-deflate (zwire's Node client only; browsers negotiate it themselves). */
  deflate?: boolean | DeflateOptions;
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

function urlPicker(url: ClientUrl): () => string | URL | Promise<string | URL> {
  if (typeof url === 'function') return url;
  if (typeof url === 'string' || url instanceof URL) return () => url;
  if (url.length === 0) throw new TypeError('createClient needs at least one URL');
  let next = 0;
  return () => url[next++ % url.length];
}

/** Resolves the URL, params and headers and opens one connection with the default transport. */
function connectWithDefaults(url: ClientUrl, options: ClientOptions): TransportFactory {
  const pick = urlPicker(url);
  return async (protocols, events, signal) => {
    const { params, headers, ...rest } = options;
    const target = await pick();
    const query = typeof params === 'function' ? await params() : params;
    const resolvedHeaders = typeof headers === 'function' ? await headers() : headers;
    return defaultTransport(withParams(target, query), { ...rest, headers: resolvedHeaders })(protocols, events, signal);
  };
}

function withParams(url: string | URL, params: Record<string, string> | undefined): string {
  if (params === undefined) return String(url);
  const u = new URL(String(url));
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
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

/**
 * Creates a typed client for `service` at `url` (or several URLs, see
 * ClientUrl). Methods, inputs, results and stream items are inferred from the
 * service definition.
 */
export function createClient<S extends ServiceDef>(service: Service<S>, url: ClientUrl, options: ClientOptions = {}): RpcClient<S> {
  const codecName = options.codec ?? 'json';
  const codec = envelopeCodec(codecName);
  const core = new RpcClientCore({
    codec,
    protocols: [Subprotocol[codecName]],
    factory: options.transport ?? connectWithDefaults(url, options),
    reconnect: options.reconnect === false ? null : reconnectPolicy(options.reconnect),
    maxQueue: options.maxQueue ?? 1024,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    maxMessageSize: options.maxMessageSize ?? 1 << 20,
    validateResponses: options.validate ?? true,
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const window = Math.min(MAX_CREDIT, Math.max(1, Math.floor(options.streamWindow ?? 64)));

  const client: Record<string, unknown> = {
    on: core.on.bind(core),
    ready: () => core.ready(),
    close: () => core.close(),
  };
  Object.defineProperty(client, 'state', { get: () => core.state, enumerable: true });

  const aborted = (o: CallOptions | undefined): RpcError | null =>
    o?.signal?.aborted === true ? new RpcError('CANCELLED', 'cancelled by the caller', undefined, { cause: o.signal.reason }) : null;

  const method = (info: MethodInfo): unknown => {
    switch (info.kind) {
      case 'unary':
        return (input: unknown, o?: CallOptions) => {
          const err = aborted(o);
          if (err !== null) return Promise.reject(err);
          const call = new UnaryCall(core, codec, core.nextId(), info, input, o, timeoutMs);
          core.submit(call);
          return call.promise;
        };
      case 'stream':
        return (input: unknown, o?: CallOptions) => {
          const s = new RpcStream<unknown>(core, core, codec, core.nextId(), info, input, window, info.resumable, o);
          const err = aborted(o);
          if (err !== null) s.fail(err);
          return s;
        };
      case 'clientStream':
        return (items: AsyncIterable<unknown> | Iterable<unknown>, o?: CallOptions) => {
          const err = aborted(o);
          if (err !== null) return Promise.reject(err);
          const call = new ClientStreamCall(core, codec, core.nextId(), info, items, o, timeoutMs);
          core.submit(call);
          return call.promise;
        };
      case 'notify':
        return (input: unknown) => {
          const call = new NotifyCall(core, codec, info, input, timeoutMs);
          core.submit(call);
          return call.promise;
        };
    }
  };
  for (const info of service.table.values()) client[info.name] = method(info);
  return client as unknown as RpcClient<S>;
}

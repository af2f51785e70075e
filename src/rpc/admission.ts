/**
 * In-band admission: a client that announces it (the query parameter
 * HELLO_MARKER) sends its connection parameters as the first message (Hello),
 * out of the URL; the server runs its context hook then, answers Welcome, and
 * only then reads calls. A refusal travels as an Error envelope (id 0) and a
 * close code a browser can read, unlike the HTTP status of a refused handshake.
 * Also closes a connection whose context expired. No Node built-in.
 */
import type { EnvelopeCodec, WireData } from './codec.js';
import * as Kind from './kinds.js';
import { RpcError, toRpcError, type ErrorExposure } from './errors.js';
import type { RpcConnection } from './server.js';
import type { RpcSocket } from './socket.js';
import * as Close from './admission-close.js';

/** The query parameter by which a client says its parameters come in-band (`?zwire-hello=1`). */
export const HELLO_MARKER = 'zwire-hello';

/** Close codes of in-band admission and expiry (docs/rpc-protocol.md; the values live in admission-close.ts, which zwire's own code imports). */
export const AdmissionClose = {
  /** The first message was not a Hello, or the hook refused with an RpcError not listed here. */
  BAD_HELLO: Close.BAD_HELLO,
  UNAUTHORIZED: Close.UNAUTHORIZED,
  FORBIDDEN: Close.FORBIDDEN,
  /** No Hello within the handshake time limit. */
  HELLO_TIMEOUT: Close.HELLO_TIMEOUT,
  TOO_MANY_REQUESTS: Close.TOO_MANY_REQUESTS,
  /** The time the context hook gave to `expireAt` passed: the client should fetch fresh params and reconnect. */
  EXPIRED: Close.EXPIRED,
} as const;

/** Messages a client may send after its Hello before it is accepted (a zwire client sends none). */
const MAX_HELD = 64;
/** setTimeout's longest delay; later expiries re-arm. */
const MAX_DELAY = 0x7fffffff;

function closeCodeOf(code: string): number {
  if (code === 'UNAUTHORIZED') return Close.UNAUTHORIZED;
  if (code === 'FORBIDDEN') return Close.FORBIDDEN;
  if (code === 'TOO_MANY_REQUESTS') return Close.TOO_MANY_REQUESTS;
  return code === 'INTERNAL' ? 1011 : Close.BAD_HELLO;
}

/** Reads a Hello envelope `[26, params?]`: its parameters, or null if `data` is not a well-formed one. */
export function parseHello(codec: EnvelopeCodec, data: WireData): Record<string, string> | null {
  let env: unknown;
  try {
    env = codec.decode(data);
  } catch {
    return null;
  }
  if (!Array.isArray(env) || env[0] !== Kind.Hello || env.length > 2) return null;
  const params: unknown = env[1] ?? {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return null;
  for (const v of Object.values(params)) if (typeof v !== 'string') return null;
  return params as Record<string, string>;
}

/** A connection's context, accepted, and when it expires (epoch ms; 0 = never). */
export interface Admitted<C> {
  conn: C;
  expiresAt: number;
}

/** What an Admission needs from the server that owns it. */
export interface AdmissionOptions<C> extends ErrorExposure {
  socket: RpcSocket;
  codec: EnvelopeCodec;
  /** Runs the context hook with the parameters of the Hello; null when the connection is already accepted. */
  accept: ((params: Record<string, string>) => Promise<Admitted<C>>) | null;
  /** The accepted context when `accept` is null. */
  admitted?: Admitted<C>;
  /** Serves the accepted connection. */
  open(conn: C): RpcConnection;
  /** How long the Hello and the context hook may take. */
  helloTimeoutMs: number;
  /** A connection refused in-band, with the error its client is sent. */
  onRefused?(err: RpcError): void;
}

/**
 * One connection until its context is accepted, then its session (and its
 * expiry timer). While the hook runs, `receive` returns a promise: a transport
 * that awaits it reads nothing more meanwhile; others get a few messages held.
 */
export class Admission<C> implements RpcConnection {
  private session: RpcConnection | null = null;
  private held: WireData[] | null = null;
  /** Until accepted: the Hello and the hook must be done within the handshake time limit. */
  private admitTimer: ReturnType<typeof setTimeout> | undefined;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly o: AdmissionOptions<C>) {
    if (o.accept === null) this.admit(o.admitted as Admitted<C>);
    else this.admitTimer = setTimeout(() => this.end(Close.HELLO_TIMEOUT, 'not accepted in time'), o.helloTimeoutMs);
  }

  receive(data: WireData): void | Promise<void> {
    if (this.session !== null) return this.session.receive(data);
    if (this.closed) return;
    if (this.held !== null) {
      if (this.held.length < MAX_HELD) this.held.push(data);
      else this.refuse(new RpcError('TOO_MANY_REQUESTS', 'too many messages before the connection was accepted'));
      return;
    }
    const params = parseHello(this.o.codec, data);
    if (params === null || this.o.accept === null) {
      this.refuse(new RpcError('BAD_REQUEST', 'the first message must be a Hello'));
      return;
    }
    this.held = [];
    return this.o.accept(params).then(
      (a) => this.admit(a),
      (err: unknown) => this.refuse(toRpcError(err, this.o)),
    );
  }

  /** Graceful shutdown: an accepted connection drains its session; one not yet accepted has nothing to finish. */
  drain(graceMs: number): Promise<void> {
    return this.session?.drain(graceMs) ?? Promise.resolve();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.admitTimer);
    clearTimeout(this.expiryTimer);
    this.session?.close();
  }

  private admit(a: Admitted<C>): void {
    if (this.closed) return;
    clearTimeout(this.admitTimer);
    if (a.expiresAt !== 0 && a.expiresAt <= Date.now()) {
      this.refuse(new RpcError('UNAUTHORIZED', 'the connection parameters have expired'));
      return;
    }
    if (a.expiresAt !== 0) this.armExpiry(a.expiresAt);
    const session = this.o.open(a.conn);
    this.session = session;
    if (this.o.accept !== null) this.send(this.o.codec.welcome());
    const held = this.held ?? [];
    this.held = null;
    for (const data of held) void session.receive(data);
  }

  private armExpiry(at: number): void {
    this.expiryTimer = setTimeout(() => {
      const left = at - Date.now();
      if (left > 0) this.armExpiry(at);
      else this.end(Close.EXPIRED, 'connection parameters expired');
    }, Math.min(Math.max(at - Date.now(), 0), MAX_DELAY));
  }

  private refuse(err: RpcError): void {
    if (this.closed) return;
    this.send(this.o.codec.error(0, err.code, err.message, err.data));
    this.o.onRefused?.(err);
    this.end(closeCodeOf(err.code), err.code);
  }

  private end(code: number, reason: string): void {
    if (this.closed) return;
    this.close();
    this.o.socket.close(code, reason);
  }

  private send(data: WireData): void {
    try {
      const p = this.o.socket.send(data);
      if (p !== undefined) p.catch(() => undefined);
    } catch {
      // the transport is closing; its close reports the end
    }
  }
}

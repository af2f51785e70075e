import * as http2 from 'node:http2';
import type * as tls from 'node:tls';
import { HandshakeError } from '../upgrade/index.js';

/** The server's SETTINGS did not enable extended CONNECT (RFC 8441 §3): it cannot take WebSockets over HTTP/2. */
export class ExtendedConnectUnsupportedError extends HandshakeError {
  constructor(origin: string) {
    super('ERR_NO_EXTENDED_CONNECT', `${origin} does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL: no WebSockets over HTTP/2 there`);
    this.name = 'ExtendedConnectUnsupportedError';
  }
}

/** A pooled session and how many WebSockets it carries. */
export interface PooledSession {
  readonly session: http2.ClientHttp2Session;
  ready: Promise<PooledSession>;
  streams: number;
}

/** Sessions by origin; a separate table per TLS options object, since those decide who the peer may be. */
const shared = new Map<string, PooledSession>();
const byTls = new WeakMap<tls.ConnectionOptions, Map<string, PooledSession>>();

/**
 * An HTTP/2 session to `origin` whose server enabled extended CONNECT: an
 * open one is reused (WebSockets to one origin share one TCP/TLS
 * connection), else a new one is opened and its first SETTINGS awaited.
 * Rejects with ExtendedConnectUnsupportedError, or a HandshakeError
 * (ERR_SOCKET, ERR_HANDSHAKE_TIMEOUT, or ERR_ABORTED when `signal` aborts
 * this caller's wait; the session is left to the others).
 */
export function http2Session(origin: string, tlsOptions: tls.ConnectionOptions | undefined, timeoutMs: number, signal?: AbortSignal): Promise<PooledSession> {
  const pool = tlsOptions === undefined ? shared : (byTls.get(tlsOptions) ?? new Map<string, PooledSession>());
  if (tlsOptions !== undefined) byTls.set(tlsOptions, pool);
  const found = pool.get(origin);
  if (found !== undefined && !found.session.closed && !found.session.destroyed) return abortable(found.ready, signal);
  const session = http2.connect(origin, { ...tlsOptions, settings: { enablePush: false } });
  const entry: PooledSession = { session, streams: 0, ready: settingsOf(session, origin, timeoutMs).then(() => entry) };
  pool.set(origin, entry);
  const forget = (): void => {
    if (pool.get(origin) === entry) pool.delete(origin);
  };
  session.on('close', forget);
  session.on('goaway', forget);
  session.on('error', forget);
  session.unref();
  entry.ready.catch(forget);
  return abortable(entry.ready, signal);
}

/** A shared session's readiness as one caller sees it: its own signal rejects its wait, not the session others wait for. */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(new HandshakeError('ERR_ABORTED', 'Aborted', { cause: signal.reason }));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new HandshakeError('ERR_ABORTED', 'Aborted', { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Counts a WebSocket on its session: a session with WebSockets open keeps the process alive, an idle one does not. */
export function holdSession(entry: PooledSession, stream: http2.ClientHttp2Stream): void {
  if (entry.streams++ === 0) entry.session.ref();
  stream.once('close', () => {
    if (--entry.streams === 0 && !entry.session.destroyed) entry.session.unref();
  });
}

function settingsOf(session: http2.ClientHttp2Session, origin: string, timeoutMs: number): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null): void => {
      clearTimeout(timer);
      session.off('remoteSettings', onSettings);
      session.off('error', onError);
      session.off('close', onClose);
      if (err === null) return resolve(session);
      session.on('error', ignore);
      session.destroy();
      reject(err);
    };
    const onSettings = (s: http2.Settings): void => done(s.enableConnectProtocol === true ? null : new ExtendedConnectUnsupportedError(origin));
    const onError = (err: Error): void => {
      const code = (err as NodeJS.ErrnoException).code;
      done(new HandshakeError('ERR_SOCKET', `Connection failed: ${code ?? err.message}`, { cause: err }));
    };
    const onClose = (): void => done(new HandshakeError('ERR_SOCKET_CLOSED', 'HTTP/2 session closed before its SETTINGS'));
    const timer = setTimeout(() => done(new HandshakeError('ERR_HANDSHAKE_TIMEOUT', 'No SETTINGS from the server in time')), timeoutMs);
    session.on('remoteSettings', onSettings);
    session.on('error', onError);
    session.on('close', onClose);
  });
}

function ignore(): void {}

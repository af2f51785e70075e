import type { Duplex } from 'node:stream';
import { unwatch, watch, type DeadlineQueue, type Timed } from './deadlines.js';
import { UpgradeError } from './errors.js';
import type { ExtensionOffer } from './header-values.js';
import { beforeUpgrade, Failure, negotiate } from './negotiate.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, type HandshakePolicy, type UpgradeResult } from './options.js';
import { errorResponse, headerBytes, rejectionStatus, switchingProtocols } from './response.js';

const EMPTY = Buffer.alloc(0);
/** How long a rejected client gets to read the error response and close before it is destroyed. */
const LINGER_MS = 2_000;

/** Receives a handshake's outcome (a promise's resolve/reject, or the upgrade server's handlers). */
export type Settle<T> = (outcome: T, socket: Duplex) => void;

/** The handshake running on a socket, found by the shared listeners below (no closures per handshake). */
export const kHandshake = Symbol('zwire.handshake');
export type HandshakeSocket = Duplex & { [kHandshake]?: PendingHandshake };

function onSocketError(this: HandshakeSocket, err: Error): void {
  this[kHandshake]?.drop('ERR_SOCKET', `Socket error during the handshake: ${err.message}`, err);
}

function onSocketClose(this: HandshakeSocket): void {
  this[kHandshake]?.socketClosed();
}

/**
 * One server handshake in flight on a socket: owns the timer and the listeners
 * zwire put on the socket, and guarantees exactly one ending: a written 101
 * (resolve), a written error response (reject, `responded`), or a destroyed
 * socket (reject, status 0).
 */
export abstract class PendingHandshake implements Timed {
  protected settled = false;
  private armed = false;
  /** The queue of handshakes whose time limit this one shares, while its clock runs. */
  private deadlines: DeadlineQueue | null = null;
  deadline = 0;
  prevTimed: Timed | null = null;
  nextTimed: Timed | null = null;

  constructor(
    protected readonly socket: Duplex,
    protected readonly policy: HandshakePolicy,
    private readonly resolve: Settle<UpgradeResult>,
    private readonly reject: Settle<UpgradeError>,
    /** The socket is left flowing after the 101 when nothing came after the request (see upgradeWith). */
    protected readonly flowing = false,
  ) {}

  /** False (and the handshake over) when the socket is already gone. */
  protected begin(): boolean {
    if (this.socket.destroyed || !this.socket.readable) {
      this.settled = true;
      this.socket.destroy();
      this.reject(new UpgradeError('ERR_SOCKET_CLOSED', 0, 'Socket closed before the handshake'), this.socket);
      return false;
    }
    return true;
  }

  /**
   * Starts the time limit and watches the socket for errors and closing: needed
   * only while the handshake waits (for bytes, or for an async onBeforeUpgrade).
   */
  protected arm(): void {
    if (this.armed) return;
    this.armed = true;
    (this.socket as HandshakeSocket)[kHandshake] = this;
    this.socket.on('error', onSocketError);
    this.socket.on('close', onSocketClose);
    this.deadlines = watch(this, this.policy.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
  }

  /** The time limit passed. */
  timedOut(): void {
    // it has left its queue already
    this.deadlines = null;
    this.drop('ERR_HANDSHAKE_TIMEOUT', 'Handshake timed out');
  }

  /** Socket 'close' while the handshake waits. */
  socketClosed(): void {
    this.drop('ERR_SOCKET_CLOSED', 'Socket closed during the handshake');
  }

  /** Removes zwire's listeners; subclasses remove their own as well. */
  protected detach(): void {
    if (!this.armed) return;
    this.armed = false;
    if (this.deadlines !== null) unwatch(this, this.deadlines);
    this.deadlines = null;
    (this.socket as HandshakeSocket)[kHandshake] = undefined;
    this.socket.removeListener('error', onSocketError);
    this.socket.removeListener('close', onSocketClose);
  }

  /** Ends the handshake by destroying the socket without an answer. */
  drop(code: string, message: string, cause?: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.detach();
    this.socket.destroy();
    this.reject(new UpgradeError(code, 0, message, { cause }), this.socket);
  }

  /** Ends the handshake with an HTTP error response, then closes the connection. */
  protected fail(f: Failure): void {
    if (this.settled) return;
    this.settled = true;
    this.detach();
    let status = rejectionStatus(f.status);
    let extra: Buffer;
    try {
      extra = headerBytes(f.headers);
    } catch {
      status = 500;
      extra = EMPTY;
    }
    const reason = status === f.status ? f.reason : 'Internal Server Error';
    closeAfter(this.socket, errorResponse(status, reason, extra));
    this.reject(new UpgradeError(f.code, status, reason || `Handshake refused with ${status}`, { responded: true, cause: f.cause }), this.socket);
  }

  /** Ends the handshake leaving the socket untouched (plain HTTP handed back). */
  protected release(code: string, status: number, message: string, head: Buffer): void {
    if (this.settled) return;
    this.settled = true;
    this.detach();
    this.socket.pause();
    this.reject(new UpgradeError(code, status, message, { head }), this.socket);
  }

  /**
   * Negotiates, runs onBeforeUpgrade (possibly async) and writes the 101 for
   * the 24 key bytes at `key[keyStart]`.
   */
  protected proceed(
    key: Uint8Array,
    keyStart: number,
    protocols: string[] | null,
    offers: ExtensionOffer[] | null,
    head: Buffer,
    request?: Buffer,
  ): void {
    const n = negotiate(protocols, offers, this.policy);
    if (n instanceof Failure) return this.fail(n);
    const before = beforeUpgrade(this.policy);
    if (before instanceof Promise) {
      this.socket.pause();
      this.arm();
      before.then((b) => this.accept(key, keyStart, n.protocol, n.extensions, n.extensionsHeader, b, head, request));
    } else {
      this.accept(key, keyStart, n.protocol, n.extensions, n.extensionsHeader, before, head, request);
    }
  }

  private accept(
    key: Uint8Array,
    keyStart: number,
    protocol: string | null,
    extensions: ExtensionOffer[],
    extensionsHeader: string,
    before: { headers?: Parameters<typeof headerBytes>[0] } | undefined | Failure,
    head: Buffer,
    request: Buffer | undefined,
  ): void {
    if (this.settled) return;
    if (before instanceof Failure) return this.fail(before);
    let response: Buffer;
    try {
      response = switchingProtocols(key, keyStart, protocol, extensionsHeader, headerBytes(this.policy.headers), headerBytes(before?.headers));
    } catch (err) {
      return this.fail(new Failure('ERR_INVALID_HEADERS', 500, 'Internal Server Error', undefined, err));
    }
    if (this.socket.destroyed || !this.socket.writable) {
      return this.drop('ERR_SOCKET_CLOSED', 'Socket closed before the 101 could be written');
    }
    this.settled = true;
    this.detach();
    if (!this.flowing || head.length > 0) this.socket.pause();
    this.socket.write(response);
    // the caller owns the result: never hand out the shared empty list
    this.resolve({ protocol, extensions: extensions.length === 0 ? [] : extensions, head, request }, this.socket);
  }
}

/**
 * Writes a final response and closes without losing it: the peer gets time to
 * read it and close first (closing with unread input would send a TCP RST that
 * can wipe the response), and is destroyed after LINGER_MS otherwise.
 */
function closeAfter(socket: Duplex, response: Buffer): void {
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  const done = (): void => {
    clearTimeout(timer);
    socket.destroy();
  };
  socket.on('error', done);
  socket.on('close', () => clearTimeout(timer));
  socket.on('end', done);
  socket.on('data', discard);
  socket.resume();
  socket.end(response);
}

function discard(): void {}

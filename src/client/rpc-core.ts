import * as Protocol from '../rpc/protocol.js';
import { FAULT, parseServerEnvelope, RpcError, type ClientCodec, type Validate, type WireData } from '../rpc/protocol.js';
import { backoffDelay, type ReconnectPolicy } from './rpc-backoff.js';
import type { ChannelRouter } from './rpc-channels.js';
import { DeadlineTimer } from './rpc-deadlines.js';
import { DrainingConnections } from './rpc-draining.js';
import { Emitter, type ClientState } from './rpc-events.js';
import { Heartbeat } from './rpc-heartbeat.js';
import { errorFromEnvelope, protocolError, type CallHost, type Pending } from './rpc-pending.js';
import type { SubscriptionHost } from './rpc-subscription.js';
import { sendQuietly, type ClientTransport, type TransportFactory } from './transport.js';
import { unrefTimer } from './unref-timer.js';

/** Settings of the connection manager (see ClientOptions for the user-facing names). */
export interface CoreSettings {
  codec: ClientCodec;
  protocols: string[];
  factory: TransportFactory;
  reconnect: ReconnectPolicy | null;
  /** Max calls waiting for a connection; 0 = fail fast with UNAVAILABLE. */
  maxQueue: number;
  heartbeatMs: number;
  maxMessageSize: number;
  validate: Validate | null;
}

/**
 * A connection the server refused (in-band, or, seen by zwire's Node transport,
 * a handshake answered 401 or 403) will not succeed by retrying: the client closes.
 */
function refusal(err: unknown): RpcError | null {
  return err instanceof RpcError && (err.code === 'UNAUTHORIZED' || err.code === 'FORBIDDEN') ? err : null;
}

const CLOSED = new RpcError('UNAVAILABLE', 'client closed');

/** Closes a draining connection that has no call left. */
function retire(t: ClientTransport): void {
  try {
    t.close(1000, 'moved to a new connection');
  } catch {
    // already closed
  }
}

/** Whether an error's data says the server refused the call without running it (a draining server). */
function wasNotRun(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { notRun?: unknown }).notRun === true;
}
const MAX_ID = 0x7fffffff;
/** Close code 1012 (service restart): the server asks for a reconnect now, without backoff. */
const SERVICE_RESTART = 1012;

/** The calls awaiting answers, by id: what the core needs of a Map. */
export interface PendingTable {
  get(id: number): Pending | undefined;
  set(id: number, p: Pending): unknown;
  delete(id: number): unknown;
  clear(): void;
  values(): Iterable<Pending>;
}

let newPendingTable = (): PendingTable => new Map<number, Pending>();

/** Makes every client created from now on file its calls in tables from `make` (zwire/client installs IdTable). */
export function setPendingTable(make: () => PendingTable): void {
  newPendingTable = make;
}

/**
 * The connection manager behind the typed client: one connection at a time,
 * a table of calls awaiting answers, a bounded queue of calls waiting for a
 * connection, one timer for all deadlines (DeadlineTimer), heartbeats
 * (Heartbeat) and reconnects with backoff.
 */
export class RpcClientCore extends Emitter implements CallHost, SubscriptionHost {
  state: ClientState = 'connecting';
  readonly validate: Validate | null;
  /** Routes topic envelopes to subscriptions; made by the first subscription (topic support is opt-in in browsers). */
  channels: ChannelRouter | null = null;
  #transport: ClientTransport | null = null;
  readonly #draining = new DrainingConnections();
  readonly #pending = newPendingTable();
  #queue: Pending[] = [];
  #lastId = 0;
  readonly #deadlines = new DeadlineTimer(() => this.#sweep());
  readonly #heartbeat: Heartbeat;
  #attempt = 0;
  readonly #stop = new AbortController();
  #closedWaiters: (() => void)[] = [];
  /** Why the client closed (a refusal's UNAUTHORIZED, say): what later calls fail with. */
  #closedWith: RpcError = CLOSED;

  readonly #settings: CoreSettings;

  constructor(settings: CoreSettings) {
    super();
    this.#settings = settings;
    this.validate = settings.validate;
    this.#heartbeat = new Heartbeat(
      settings.heartbeatMs,
      () => this.#transport?.send(settings.codec.ping(Date.now() % MAX_ID)),
      () => {
        this.emit('error', new RpcError('UNAVAILABLE', `no answer to a heartbeat within ${settings.heartbeatMs} ms`));
        this.#dropConnection();
      },
    );
    void this.#connect();
  }

  get codec(): ClientCodec {
    return this.#settings.codec;
  }

  /** A fresh call id; after wrapping around it skips ids still in use (the server refuses a reused one). */
  nextId(): number {
    do this.#lastId = this.#lastId >= MAX_ID ? 1 : this.#lastId + 1;
    while (this.#pending.get(this.#lastId) !== undefined);
    return this.#lastId;
  }

  /** Sends a call now if connected, else queues it (bounded) or fails it fast. */
  submit(p: Pending): void {
    if (p.settled) return;
    if (p.deadline > 0) this.#deadlines.arm(p.deadline);
    if (this.state === 'open') {
      this.#start(p);
      return;
    }
    if (this.state === 'closed') {
      p.fail(this.#closedWith);
      return;
    }
    if (this.#queue.length >= this.#settings.maxQueue) {
      p.fail(new RpcError('UNAVAILABLE', this.#settings.maxQueue === 0 ? 'not connected' : 'not connected and the call queue is full'));
      return;
    }
    this.#queue.push(p);
  }

  /** Sends a call's opening envelope and files it as awaiting answers if it expects any. */
  #start(p: Pending): void {
    if (this.#tryStart(p)) this.#pending.set(p.id, p);
  }

  /** Starts a call; input that cannot be encoded (a BigInt, a cycle) fails it instead of throwing at the caller. */
  #tryStart(p: Pending): boolean {
    try {
      return p.start();
    } catch (err) {
      p.fail(new RpcError('BAD_REQUEST', 'the input could not be encoded', undefined, { cause: err }));
      return false;
    }
  }

  /** The connection a call runs on: a draining one if it started there, else the current one. */
  #transportOf(p: Pending): ClientTransport | null {
    return this.#draining.transportOf(p) ?? this.#transport;
  }

  send(p: Pending, data: WireData): boolean {
    const t = this.#transportOf(p);
    if (t === null) {
      p.fail(new RpcError('UNAVAILABLE', 'not connected'));
      return false;
    }
    if (this.#settings.codec.exceeds(data, this.#settings.maxMessageSize)) {
      p.fail(new RpcError('PAYLOAD_TOO_LARGE', `message exceeds ${this.#settings.maxMessageSize} bytes`));
      return false;
    }
    try {
      sendQuietly(t, data);
    } catch (err) {
      p.fail(new RpcError('UNAVAILABLE', 'send failed', undefined, { cause: err }));
      return false;
    }
    return true;
  }

  forget(p: Pending, cancel: boolean): void {
    if (p.id === 0 || this.#pending.get(p.id) !== p) return;
    const t = this.#transportOf(p);
    this.#pending.delete(p.id);
    if (cancel && t !== null) {
      try {
        sendQuietly(t, this.#settings.codec.cancel(p.id));
      } catch {
        // the connection is going away; the server drops the call with it
      }
    }
    const emptied = this.#draining.remove(p);
    if (emptied !== null) retire(emptied);
  }

  /** Closes the client: every call fails with UNAVAILABLE; resolves when the connection has closed. */
  close(): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    if (this.#transport === null) {
      this.#shutdown(CLOSED);
      return Promise.resolve();
    }
    const closed = new Promise<void>((resolve) => {
      this.#closedWaiters.push(resolve);
      const timer = setTimeout(resolve, 2000);
      unrefTimer(timer);
    });
    this.#shutdown(CLOSED);
    return closed;
  }

  /** Resolves once connected; rejects if the client closes first. */
  ready(): Promise<void> {
    if (this.state === 'open') return Promise.resolve();
    if (this.state === 'closed') return Promise.reject(this.#closedWith);
    return new Promise((resolve, reject) => {
      const off = this.on('state', (s) => {
        if (s === 'open') resolve();
        else if (s === 'closed') reject(this.#closedWith);
        else return;
        off();
      });
    });
  }

  #setState(s: ClientState): void {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }

  #shutdown(reason: RpcError): void {
    this.#closedWith = reason;
    this.#setState('closed');
    this.#stop.abort();
    this.#heartbeat.stop();
    this.#deadlines.clear();
    const t = this.#transport;
    this.#transport = null;
    for (const old of this.#draining.takeAll()) retire(old);
    const calls = [...this.#pending.values(), ...this.#queue];
    this.#pending.clear();
    this.#queue = [];
    for (const p of calls) p.fail(reason);
    if (t !== null) {
      try {
        t.close(1000, 'client closed');
      } catch {
        // already closing
      }
    }
  }

  async #connect(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      let transport: ClientTransport | null = null;
      const events = {
        message: (data: WireData) => {
          if (transport !== null && (this.#transport === transport || this.#draining.has(transport))) this.#onData(data, transport);
        },
        close: (code: number, reason: string) => {
          // only a client with subscriptions (and so a channel router) can be dropped as a slow subscriber
          const slow = this.channels?.slowSubscriberError(code, reason);
          if (slow != null) this.emit('error', slow);
          if (transport !== null) this.#onTransportClosed(transport, code);
        },
      };
      try {
        transport = await this.#settings.factory(this.#settings.protocols, events, signal);
      } catch (err) {
        if (signal.aborted) return;
        this.emit('error', err instanceof Error ? err : new Error(String(err)));
        const refused = refusal(err);
        if (refused !== null) {
          this.#shutdown(refused);
          return;
        }
        const policy = this.#settings.reconnect;
        if (policy === null || this.#attempt + 1 >= policy.maxAttempts) {
          this.#shutdown(new RpcError('UNAVAILABLE', 'could not connect', undefined, { cause: err }));
          return;
        }
        this.#setState('reconnecting');
        await this.#sleep(backoffDelay(policy, this.#attempt++));
        continue;
      }
      if (signal.aborted) {
        transport.close(1000, 'client closed');
        return;
      }
      this.#onOpen(transport);
      return;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.#stop.signal;
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  #onOpen(t: ClientTransport): void {
    this.#transport = t;
    this.#attempt = 0;
    this.#setState('open');
    this.#heartbeat.start();
    // Streams kept across the reconnect resume first, then queued calls in order.
    for (const p of [...this.#pending.values()]) {
      if (this.#draining.transportOf(p) !== null) continue;
      if (!p.settled && !this.#tryStart(p)) this.#pending.delete(p.id);
    }
    const queued = this.#queue;
    this.#queue = [];
    for (const p of queued) {
      if (p.settled) continue;
      if (this.#transport !== t) {
        this.#queue.push(p);
        continue;
      }
      this.#start(p);
    }
  }

  #onTransportClosed(t: ClientTransport, code: number): void {
    for (const w of this.#closedWaiters.splice(0)) w();
    const left = this.#draining.take(t);
    if (left !== undefined) {
      // The draining server closed before answering these: they fail.
      for (const p of left) {
        if (this.#pending.get(p.id) === p && !p.lost()) this.#pending.delete(p.id);
      }
      return;
    }
    if (this.#transport !== t) return;
    // a service restart, or expired parameters (the next connection fetches fresh ones): reconnect at once
    this.#dropConnection(code === SERVICE_RESTART || code === Protocol.EXPIRED);
  }

  /**
   * The server sent GoAway: calls running on this connection stay there to
   * get their answers, server streams (ended by the server) resume on the
   * next connection or fail, and the next connection is opened at once.
   * Without reconnects there is no next connection: the calls in flight are
   * answered here and the client closes when the server does.
   */
  #onGoAway(t: ClientTransport): void {
    if (this.#transport !== t || this.#settings.reconnect === null) return;
    const stay = new Set<Pending>();
    for (const p of [...this.#pending.values()]) {
      if (this.#draining.transportOf(p) !== null) continue;
      if (p.kind !== 'stream') stay.add(p);
      else if (!p.lost()) this.#pending.delete(p.id);
    }
    this.#transport = null;
    this.#heartbeat.stop();
    if (stay.size > 0) this.#draining.add(t, stay);
    else retire(t);
    this.#reconnect(true);
  }

  /** The connection is gone (closed or found dead): fail or keep calls, then reconnect (at once if `now`) or close. */
  #dropConnection(now = false): void {
    const t = this.#transport;
    this.#transport = null;
    this.#heartbeat.stop();
    if (t !== null) {
      try {
        t.close(4000, 'connection lost');
      } catch {
        // already closed
      }
    }
    for (const p of [...this.#pending.values()]) {
      if (this.#draining.transportOf(p) !== null) continue;
      if (!p.lost()) this.#pending.delete(p.id);
    }
    this.#reconnect(now);
  }

  #reconnect(now: boolean): void {
    if (this.#settings.reconnect === null) {
      this.#shutdown(new RpcError('UNAVAILABLE', 'connection lost'));
      return;
    }
    this.#setState('reconnecting');
    if (now) {
      this.#attempt = 0;
      void this.#connect();
      return;
    }
    const delay = backoffDelay(this.#settings.reconnect, this.#attempt++);
    void this.#sleep(delay).then(() => this.#connect());
  }

  #onData(data: WireData, from: ClientTransport): void {
    const current = from === this.#transport;
    if (current) this.#heartbeat.heardFrom();
    let decoded: unknown;
    try {
      decoded = this.#settings.codec.decode(data);
    } catch {
      this.emit('error', new RpcError('BAD_REQUEST', 'malformed message from the server'));
      return;
    }
    if (Array.isArray(decoded) && this.channels?.dispatch(decoded, (id) => this.#callOn(from, id)) === true) return;
    const env = parseServerEnvelope(decoded);
    switch (env.kind) {
      case Protocol.Ping:
        sendQuietly(from, this.#settings.codec.pong(env.n));
        return;
      case Protocol.GoAway:
        this.#onGoAway(from);
        return;
      case FAULT:
        // a bad envelope about an open call fails that call; anything else unreadable (id 0: no call) is ignored
        this.#callOn(from, env.id)?.fail(protocolError(env.message));
        return;
      case Protocol.Error:
        if (env.id === 0) {
          this.emit('error', errorFromEnvelope(env));
          return;
        }
        if (from !== this.#transport && wasNotRun(env.data)) {
          const p = this.#callOn(from, env.id);
          if (p?.kind === 'unary') {
            this.#moveToCurrent(p, from);
            return;
          }
        }
        break;
      case Protocol.Pong:
        return;
    }
    // the answers about one call: Result, Item, Event, Done, Credit (and the Error above)
    this.#callOn(from, env.id)?.onMessage(env);
  }

  /**
   * A unary call that crossed the server's GoAway was refused without running:
   * it is sent again on the current connection (or when the next one opens).
   */
  #moveToCurrent(p: Pending, from: ClientTransport): void {
    if (!this.#draining.holds(from, p)) return;
    const emptied = this.#draining.remove(p);
    if (emptied !== null) retire(emptied);
    if (this.#transport !== null && !this.#tryStart(p)) this.#pending.delete(p.id);
  }

  /** The open call with this id on that connection. */
  #callOn(t: ClientTransport, id: number): Pending | undefined {
    const p = this.#pending.get(id);
    if (p === undefined || t === this.#transport) return p;
    return this.#draining.holds(t, p) ? p : undefined;
  }

  /** Fails the calls whose deadline passed and arms the timer for the next one. */
  #sweep(): void {
    const now = Date.now();
    let next = Infinity;
    const expire = (p: Pending): boolean => {
      if (p.settled || p.deadline === 0) return p.settled;
      if (p.deadline <= now) {
        p.fail(new RpcError('TIMEOUT', 'call timed out'));
        return true;
      }
      if (p.deadline < next) next = p.deadline;
      return false;
    };
    for (const p of [...this.#pending.values()]) expire(p);
    this.#queue = this.#queue.filter((p) => !expire(p));
    if (next !== Infinity && this.state !== 'closed') this.#deadlines.arm(next);
  }
}

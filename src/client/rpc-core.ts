import type { EnvelopeCodec, WireData } from '../rpc/codec.js';
import { Kind } from '../rpc/envelope.js';
import { RpcError } from '../rpc/errors.js';
import { SLOW_SUBSCRIBER_CLOSE } from '../rpc/topic-envelopes.js';
import { backoffDelay, type ReconnectPolicy } from './rpc-backoff.js';
import type { ChannelRouter } from './rpc-channels.js';
import { DeadlineTimer } from './rpc-deadlines.js';
import { Emitter, type ClientState } from './rpc-events.js';
import { Heartbeat } from './rpc-heartbeat.js';
import { errorFromEnvelope, type CallHost, type Pending } from './rpc-pending.js';
import type { StreamStarter } from './rpc-stream.js';
import type { SubscriptionHost } from './rpc-subscription.js';
import type { ClientTransport, TransportFactory } from './transport.js';

/** Settings of the connection manager (see ClientOptions for the user-facing names). */
export interface CoreSettings {
  codec: EnvelopeCodec;
  protocols: string[];
  factory: TransportFactory;
  reconnect: ReconnectPolicy | null;
  /** Max calls waiting for a connection; 0 = fail fast with UNAVAILABLE. */
  maxQueue: number;
  heartbeatMs: number;
  maxMessageSize: number;
  validateResponses: boolean;
}

/** A handshake the server answered with 401 or 403 will not succeed by retrying: the client closes. */
function refusal(err: unknown): RpcError | null {
  const status = typeof err === 'object' && err !== null ? (err as { status?: unknown }).status : undefined;
  if (status === 401) return new RpcError('UNAUTHORIZED', 'the server refused the connection (401)', undefined, { cause: err });
  if (status === 403) return new RpcError('FORBIDDEN', 'the server refused the connection (403)', undefined, { cause: err });
  return null;
}

const CLOSED = new RpcError('UNAVAILABLE', 'client closed');
const MAX_ID = 0x7fffffff;

/**
 * The connection manager behind the typed client: one connection at a time,
 * a table of calls awaiting answers, a bounded queue of calls waiting for a
 * connection, one timer for all deadlines (DeadlineTimer), heartbeats
 * (Heartbeat) and reconnects with backoff.
 */
export class RpcClientCore extends Emitter implements CallHost, StreamStarter, SubscriptionHost {
  state: ClientState = 'connecting';
  readonly validateResponses: boolean;
  /** Subscriptions by channel, for the envelopes that name a channel instead of an id. */
  /** Routes channel envelopes to subscriptions; made by the first subscription (topic support is opt-in in browsers). */
  channels: ChannelRouter | null = null;
  private transport: ClientTransport | null = null;
  private readonly pending = new Map<number, Pending>();
  private queue: Pending[] = [];
  private lastId = 0;
  private readonly deadlines = new DeadlineTimer(() => this.sweep());
  private readonly heartbeat: Heartbeat;
  private attempt = 0;
  private readonly stop = new AbortController();
  private closedWaiters: (() => void)[] = [];

  constructor(private readonly settings: CoreSettings) {
    super();
    this.validateResponses = settings.validateResponses;
    this.heartbeat = new Heartbeat(
      settings.heartbeatMs,
      () => this.transport?.send(settings.codec.ping(Date.now() % MAX_ID)),
      () => {
        this.emit('error', new RpcError('UNAVAILABLE', `no answer to a heartbeat within ${settings.heartbeatMs} ms`));
        this.dropConnection();
      },
    );
    void this.connect();
  }

  get codec(): EnvelopeCodec {
    return this.settings.codec;
  }

  nextId(): number {
    this.lastId = this.lastId >= MAX_ID ? 1 : this.lastId + 1;
    return this.lastId;
  }

  /** Sends a call now if connected, else queues it (bounded) or fails it fast. */
  submit(p: Pending): void {
    if (p.settled) return;
    if (p.deadline > 0) this.deadlines.arm(p.deadline);
    if (this.state === 'open') {
      this.start(p);
      return;
    }
    if (this.state === 'closed') {
      p.fail(CLOSED);
      return;
    }
    if (this.queue.length >= this.settings.maxQueue) {
      p.fail(new RpcError('UNAVAILABLE', this.settings.maxQueue === 0 ? 'not connected' : 'not connected and the call queue is full'));
      return;
    }
    this.queue.push(p);
  }

  /** Sends a call's opening envelope and files it as awaiting answers if it expects any. */
  private start(p: Pending): void {
    if (this.tryStart(p)) this.pending.set(p.id, p);
  }

  /** Starts a call; input that cannot be encoded (a BigInt, a cycle) fails it instead of throwing at the caller. */
  private tryStart(p: Pending): boolean {
    try {
      return p.start();
    } catch (err) {
      p.fail(new RpcError('BAD_REQUEST', 'the input could not be encoded', undefined, { cause: err }));
      return false;
    }
  }

  send(p: Pending, data: WireData): boolean {
    const t = this.transport;
    if (t === null) {
      p.fail(new RpcError('UNAVAILABLE', 'not connected'));
      return false;
    }
    if (this.settings.codec.exceeds(data, this.settings.maxMessageSize)) {
      p.fail(new RpcError('PAYLOAD_TOO_LARGE', `message exceeds ${this.settings.maxMessageSize} bytes`));
      return false;
    }
    try {
      const r = t.send(data);
      if (r !== undefined) r.catch(() => {});
    } catch (err) {
      p.fail(new RpcError('UNAVAILABLE', 'send failed', undefined, { cause: err }));
      return false;
    }
    return true;
  }

  forget(p: Pending, cancel: boolean): void {
    if (p.id === 0 || this.pending.get(p.id) !== p) return;
    this.pending.delete(p.id);
    if (cancel && this.transport !== null) {
      try {
        const r = this.transport.send(this.settings.codec.cancel(p.id));
        if (r !== undefined) r.catch(() => {});
      } catch {
        // the connection is going away; the server drops the call with it
      }
    }
  }

  /** Closes the client: every call fails with UNAVAILABLE; resolves when the connection has closed. */
  close(): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    if (this.transport === null) {
      this.shutdown(CLOSED);
      return Promise.resolve();
    }
    const closed = new Promise<void>((resolve) => {
      this.closedWaiters.push(resolve);
      const timer = setTimeout(resolve, 2000);
      if (typeof timer === 'object' && 'unref' in timer) timer.unref();
    });
    this.shutdown(CLOSED);
    return closed;
  }

  /** Resolves once connected; rejects if the client closes first. */
  ready(): Promise<void> {
    if (this.state === 'open') return Promise.resolve();
    if (this.state === 'closed') return Promise.reject(CLOSED);
    return new Promise((resolve, reject) => {
      const off = this.on('state', (s) => {
        if (s === 'open') resolve();
        else if (s === 'closed') reject(CLOSED);
        else return;
        off();
      });
    });
  }

  private setState(s: ClientState): void {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }

  private shutdown(reason: RpcError): void {
    this.setState('closed');
    this.stop.abort();
    this.heartbeat.stop();
    this.deadlines.clear();
    const t = this.transport;
    this.transport = null;
    const calls = [...this.pending.values(), ...this.queue];
    this.pending.clear();
    this.queue = [];
    for (const p of calls) p.fail(reason);
    if (t !== null) {
      try {
        t.close(1000, 'client closed');
      } catch {
        // already closing
      }
    }
  }

  private async connect(): Promise<void> {
    const signal = this.stop.signal;
    while (!signal.aborted) {
      let transport: ClientTransport | null = null;
      const events = {
        message: (data: WireData) => {
          if (this.transport === transport && transport !== null) this.onData(data);
        },
        close: (code: number, reason: string) => {
          if (code === SLOW_SUBSCRIBER_CLOSE) this.emit('error', new RpcError('UNAVAILABLE', `the server dropped a slow subscriber (${code} ${reason})`));
          if (transport !== null) this.onTransportClosed(transport);
        },
      };
      try {
        transport = await this.settings.factory(this.settings.protocols, events, signal);
      } catch (err) {
        if (signal.aborted) return;
        this.emit('error', err instanceof Error ? err : new Error(String(err)));
        const refused = refusal(err);
        if (refused !== null) {
          this.shutdown(refused);
          return;
        }
        const policy = this.settings.reconnect;
        if (policy === null || this.attempt + 1 >= policy.maxAttempts) {
          this.shutdown(new RpcError('UNAVAILABLE', 'could not connect', undefined, { cause: err }));
          return;
        }
        this.setState('reconnecting');
        await this.sleep(backoffDelay(policy, this.attempt++));
        continue;
      }
      if (signal.aborted) {
        transport.close(1000, 'client closed');
        return;
      }
      this.onOpen(transport);
      return;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.stop.signal;
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private onOpen(t: ClientTransport): void {
    this.transport = t;
    this.attempt = 0;
    this.setState('open');
    this.heartbeat.start();
    // Streams kept across the reconnect resume first, then queued calls in order.
    for (const p of [...this.pending.values()]) {
      if (!p.settled && !this.tryStart(p)) this.pending.delete(p.id);
    }
    const queued = this.queue;
    this.queue = [];
    for (const p of queued) {
      if (p.settled) continue;
      if (this.transport !== t) {
        this.queue.push(p);
        continue;
      }
      this.start(p);
    }
  }

  private onTransportClosed(t: ClientTransport): void {
    for (const w of this.closedWaiters.splice(0)) w();
    if (this.transport !== t) return;
    this.dropConnection();
  }

  /** The connection is gone (closed or found dead): fail or keep calls, then reconnect or close. */
  private dropConnection(): void {
    const t = this.transport;
    this.transport = null;
    this.heartbeat.stop();
    if (t !== null) {
      try {
        t.close(4000, 'connection lost');
      } catch {
        // already closed
      }
    }
    for (const p of [...this.pending.values()]) {
      if (!p.lost()) this.pending.delete(p.id);
    }
    if (this.settings.reconnect === null) {
      this.shutdown(new RpcError('UNAVAILABLE', 'connection lost'));
      return;
    }
    this.setState('reconnecting');
    const delay = backoffDelay(this.settings.reconnect, this.attempt++);
    void this.sleep(delay).then(() => this.connect());
  }

  private onData(data: WireData): void {
    this.heartbeat.heardFrom();
    let env: unknown;
    try {
      env = this.settings.codec.decode(data);
    } catch {
      this.emit('error', new RpcError('BAD_REQUEST', 'malformed message from the server'));
      return;
    }
    if (!Array.isArray(env)) return;
    const kind = env[0];
    if (kind === Kind.Ping) {
      this.transport?.send(this.settings.codec.pong(typeof env[1] === 'number' ? env[1] : 0));
      return;
    }
    if (kind === Kind.Pong) return;
    if (typeof kind === 'number' && kind >= 16 && this.channels?.dispatch(env) === true) return;
    const id = env[1];
    if (id === 0 && kind === Kind.Error) {
      this.emit('error', errorFromEnvelope(env));
      return;
    }
    const p = this.pending.get(id as number);
    if (p !== undefined) p.onMessage(env);
  }

  /** Fails the calls whose deadline passed and arms the timer for the next one. */
  private sweep(): void {
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
    for (const p of [...this.pending.values()]) expire(p);
    this.queue = this.queue.filter((p) => !expire(p));
    if (next !== Infinity && this.state !== 'closed') this.deadlines.arm(next);
  }
}

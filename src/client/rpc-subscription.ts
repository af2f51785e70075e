import * as Protocol from '../rpc/protocol.js';
import { parseSubscribed, RpcError, topicEnvelope, type ChannelEnvelope, type Schema, type StreamPosition } from '../rpc/protocol.js';
import { ChannelRouter, type ChannelListener } from './rpc-channels.js';
import { checkResponse, errorFromEnvelope, type CallHost, type CallReply, type Pending } from './rpc-pending.js';
import { TopicRequest } from './rpc-topic-request.js';

/** Options of `client.<topic>.subscribe(key, options)`. */
export interface SubscribeOptions {
  /** Start after this position (one the application kept), recovering what came after it from the topic's history. */
  since?: StreamPosition;
  /** Publications held for a consumer that falls behind (default 1024); past it the oldest are dropped and 'reset' fires. */
  maxBuffered?: number;
  /** Aborting it unsubscribes. */
  signal?: AbortSignal;
}

/** What a subscription reports besides its messages (and, for those who want their positions, the messages too). */
export interface SubscriptionEvents<P, T = unknown> {
  /** A publication arrived (before the iteration yields it), with its place in the channel; for tools that show or keep positions. */
  publication: (message: T, position: StreamPosition) => void;
  /** A subscriber's presence appeared on the channel (topics with presence). */
  join: (info: P) => void;
  /** A subscriber's presence went away (it unsubscribed or its connection dropped). */
  leave: (info: P) => void;
  /**
   * Publications were missed and cannot be recovered (the history no longer
   * covers the position, a new epoch, or the consumer fell too far behind):
   * refetch the state; the subscription continues after `position`.
   */
  reset: (position: StreamPosition) => void;
  /** The server accepted the subscription (again, after each reconnect); `recovered` when it resumed without a gap. */
  subscribed: (info: { recovered: boolean; position: StreamPosition }) => void;
  /** The subscription ended with an error (refused, or ended by the server). */
  error: (err: RpcError) => void;
}

/**
 * A subscription to one topic key: an async iterable of its messages, in
 * publish order, that survives reconnects (recovering from the topic's
 * history). Leaving a for-await loop unsubscribes.
 */
export interface Subscription<T, P = never> extends AsyncIterable<T>, AsyncIterator<T> {
  /** The position of the last publication received (null before the server answered). */
  readonly position: StreamPosition | null;
  /** Resolves once the server accepted the subscription; rejects if it refused it (e.g. FORBIDDEN). */
  ready(): Promise<{ recovered: boolean; position: StreamPosition }>;
  /** The presence of every subscriber of this topic key (topics with presence). */
  presence(): Promise<P[]>;
  on<E extends keyof SubscriptionEvents<P, T>>(event: E, listener: SubscriptionEvents<P, T>[E]): () => void;
  /** Ends the subscription; a pending `next()` ends the iteration. */
  unsubscribe(): Promise<void>;
}

/**
 * What the client knows of a topic: its definition's schemas for a validating
 * client; for a types-only client none (`presence` undefined: unknown, the
 * server decides).
 */
export interface ClientTopicInfo {
  readonly name: string;
  readonly message: Schema | null;
  readonly presence: Schema | null | undefined;
  readonly clientPublish: boolean;
}

/** What a subscription needs from the client core. */
export interface SubscriptionHost extends CallHost {
  /** Made by the first subscription, so a client that never subscribes carries no router. */
  channels: ChannelRouter | null;
  nextId(): number;
}

type Listeners = { [E in keyof SubscriptionEvents<unknown>]?: Set<SubscriptionEvents<unknown>[E]> };

/** The client side of one subscription; see Subscription. */
export class ClientSubscription<T, P> implements Subscription<T, P>, Pending, ChannelListener {
  readonly id: number;
  /** Resubscribed (from its position) after a reconnect or the server's GoAway, as a resumable stream is. */
  readonly kind = 'stream' as const;
  readonly deadline = 0;
  settled = false;
  position: StreamPosition | null;
  private channel: string | null = null;
  private readonly buffer: unknown[] = [];
  private head = 0;
  private error: RpcError | null = null;
  private waiter: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | null = null;
  private readonly listeners: Listeners = {};
  private readonly maxBuffered: number;
  private readyWaiters: { resolve(v: { recovered: boolean; position: StreamPosition }): void; reject(e: unknown): void }[] = [];
  private accepted: { recovered: boolean; position: StreamPosition } | null = null;

  constructor(
    private readonly host: SubscriptionHost,
    private readonly info: ClientTopicInfo,
    private readonly key: unknown,
    private readonly timeoutMs: number,
    options: SubscribeOptions | undefined,
  ) {
    this.id = host.nextId();
    this.position = options?.since ?? null;
    this.maxBuffered = Math.max(1, options?.maxBuffered ?? 1024);
    const signal = options?.signal;
    if (signal?.aborted === true) {
      this.end(null);
      return;
    }
    signal?.addEventListener('abort', () => void this.unsubscribe(), { once: true });
    host.channels ??= new ChannelRouter();
    host.submit(this);
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this;
  }

  start(): boolean {
    if (this.settled) return false;
    return this.host.send(this, topicEnvelope.subscribe(this.host.codec, this.id, this.info.name, this.key, this.position));
  }

  onMessage(env: CallReply): void {
    if (!this.settled && env.kind === Protocol.Error) this.end(errorFromEnvelope(env));
  }

  onSubscribed(env: unknown[]): void {
    if (this.settled) return;
    const s = parseSubscribed(env);
    if (s === null) return;
    const had = this.position;
    this.position = s.position;
    if (this.channel !== s.channel) {
      if (this.channel !== null) this.host.channels?.remove(this.channel, this);
      this.channel = s.channel;
      this.host.channels?.add(s.channel, this);
    }
    if (had !== null && !s.recovered) this.emit('reset', s.position);
    this.accepted = { recovered: s.recovered, position: s.position };
    for (const w of this.readyWaiters.splice(0)) w.resolve(this.accepted);
    this.emit('subscribed', this.accepted);
  }

  onChannel(env: ChannelEnvelope): void {
    if (this.settled) return;
    try {
      switch (env.kind) {
        case Protocol.Publication:
          return this.onPublication(env.epoch, env.offset, env.data);
        case Protocol.Reset:
          this.position = { epoch: env.epoch, offset: env.offset };
          return this.emit('reset', this.position);
        default:
          return this.emit(env.kind === Protocol.Join ? 'join' : 'leave', checkResponse(this.host, this.info.presence, env.info, `${this.info.name}: presence`));
      }
    } catch (err) {
      this.end(err as RpcError);
    }
  }

  /** Drops what it already has; a skipped offset or a new epoch means publications were lost, which 'reset' reports. */
  private onPublication(epoch: string, offset: number, data: unknown): void {
    const at = this.position;
    if (at !== null && at.epoch === epoch && offset <= at.offset) return;
    const value = checkResponse(this.host, this.info.message, data, `${this.info.name}: publication`);
    this.position = { epoch, offset };
    if (at !== null && (at.epoch !== epoch || offset !== at.offset + 1)) this.emit('reset', { epoch, offset: offset - 1 });
    this.emit('publication', value, this.position);
    this.deliver(value);
  }

  private deliver(value: unknown): void {
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      w.resolve({ value: value as T, done: false });
      return;
    }
    if (this.buffer.length - this.head >= this.maxBuffered) {
      this.buffer[this.head++] = undefined;
      // the dropped slots go once there are as many as kept ones, so the array stays within twice maxBuffered
      if (this.head >= this.maxBuffered) {
        this.buffer.splice(0, this.head);
        this.head = 0;
      }
      this.buffer.push(value);
      if (this.position !== null) this.emit('reset', this.position);
      return;
    }
    this.buffer.push(value);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.buffer.length) {
      const value = this.buffer[this.head] as T;
      this.buffer[this.head++] = undefined;
      if (this.head === this.buffer.length || this.head > 1024) {
        this.buffer.splice(0, this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.error !== null) return Promise.reject(this.error);
    if (this.settled) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Called by for-await when the loop exits early: unsubscribes. */
  async return(): Promise<IteratorResult<T>> {
    await this.unsubscribe();
    return { value: undefined, done: true };
  }

  ready(): Promise<{ recovered: boolean; position: StreamPosition }> {
    if (this.accepted !== null) return Promise.resolve(this.accepted);
    if (this.error !== null) return Promise.reject(this.error);
    if (this.settled) return Promise.reject(new RpcError('CANCELLED', 'unsubscribed'));
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  async presence(): Promise<P[]> {
    if (this.info.presence === null) throw new RpcError('BAD_REQUEST', `topic ${this.info.name} keeps no presence`);
    await this.ready();
    const id = this.host.nextId();
    const req = new TopicRequest<P[]>(
      this.host,
      id,
      () => topicEnvelope.presence(this.host.codec, id, this.id),
      (v) => {
        if (!Array.isArray(v)) throw new RpcError('INVALID_OUTPUT', 'presence answer is not a list');
        return v.map((p) => checkResponse(this.host, this.info.presence, p, `${this.info.name}: presence`) as P);
      },
      this.timeoutMs,
    );
    this.host.submit(req);
    return req.promise;
  }

  on<E extends keyof SubscriptionEvents<P, T>>(event: E, listener: SubscriptionEvents<P, T>[E]): () => void {
    const all = this.listeners as Record<string, Set<unknown> | undefined>;
    const set = (all[event] ??= new Set());
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  private emit<E extends keyof SubscriptionEvents<unknown>>(event: E, ...args: Parameters<SubscriptionEvents<unknown>[E]>): void {
    const set = this.listeners[event] as Set<(...a: unknown[]) => void> | undefined;
    if (set === undefined) return;
    for (const fn of set) {
      try {
        fn(...args);
      } catch {
        // a throwing listener must not break the subscription
      }
    }
  }

  async unsubscribe(): Promise<void> {
    if (this.settled) return;
    this.end(null);
    // when not connected, the server already forgot the subscription with the connection (send then does nothing)
    this.host.send(this, topicEnvelope.unsubscribe(this.host.codec, this.id));
  }

  fail(err: RpcError): void {
    this.end(err);
  }

  lost(): boolean {
    if (this.settled) return false;
    if (this.channel !== null) this.host.channels?.remove(this.channel, this);
    this.channel = null;
    return true;
  }

  /** Ends the subscription, with an error (the iteration rejects once the buffer is drained) or without. */
  private end(err: RpcError | null): void {
    if (this.settled) return;
    this.settled = true;
    this.host.forget(this, false);
    if (this.channel !== null) this.host.channels?.remove(this.channel, this);
    this.channel = null;
    this.error = err;
    const readyErr = err ?? new RpcError('CANCELLED', 'unsubscribed');
    for (const w of this.readyWaiters.splice(0)) w.reject(readyErr);
    if (err !== null) this.emit('error', err);
    const w = this.waiter;
    if (w === null) return;
    this.waiter = null;
    if (err !== null) w.reject(err);
    else w.resolve({ value: undefined, done: true });
  }
}

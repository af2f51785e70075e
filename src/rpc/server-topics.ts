import type { Publication, StreamPosition } from '../engine/engine.js';
import type { EnvelopeCodec, WireData } from './codec.js';
import type { CodecName } from './envelope.js';
import { RpcError } from './errors.js';
import { positionResult } from './position-result.js';
import type { TopicContext } from './handlers.js';
import { TopicSub, type TopicSession } from './server-topic-sub.js';
import { validate } from './service.js';
import { isId, parseIds, parseSubscribe, type SubscribeEnvelope } from './topic-envelopes.js';
import * as TopicKind from './topic-kinds.js';
import type { FanoutMember } from './topic-fanout.js';
import type { TopicHub, TopicRoute } from './topic-hub.js';
import type { RpcSocket } from './socket.js';

/** What the topics of one connection need from its session. */
export interface TopicPeer<C> {
  readonly codec: EnvelopeCodec;
  readonly conn: C;
  /** The transport the peer's messages go out on. */
  readonly socket: RpcSocket;
  /** Bytes queued in the transport, if it knows. */
  readonly bufferedAmount: number | undefined;
  send(data: WireData): void;
  /** Sends the answer to a publish request, with the publications of this turn (RpcSocket.sendWithTurn). */
  reply(data: WireData): void;
  sendError(id: number, err: RpcError): void;
  /** Turns what a handler threw into the RpcError the client sees. */
  toError(err: unknown): RpcError;
  close(code: number, reason: string): void;
}

/**
 * The live subscriptions of one connection to one channel, as one fan-out
 * member: a publication is sent once per connection however many of its
 * subscriptions are on the channel (the client hands it to each).
 */
class ChannelShare<C> implements FanoutMember {
  readonly codec: CodecName;
  readonly socket: RpcSocket;
  private readonly subs = new Set<TopicSub<C>>();
  /** The subscription when there is exactly one (nearly always): a publication then needs no walk over the set. */
  private single: TopicSub<C> | null = null;

  constructor(
    private readonly peer: TopicPeer<C>,
    private readonly maxLag: number,
  ) {
    this.codec = peer.codec.name;
    this.socket = peer.socket;
  }

  get size(): number {
    return this.subs.size;
  }

  add(sub: TopicSub<C>): void {
    this.subs.add(sub);
    this.single = this.subs.size === 1 ? sub : null;
  }

  /** False when `sub` was not here. */
  delete(sub: TopicSub<C>): boolean {
    if (!this.subs.delete(sub)) return false;
    this.single = this.subs.size === 1 ? (this.subs.values().next().value as TopicSub<C>) : null;
    return true;
  }

  private overBudget(): boolean {
    const queued = this.socket.bufferedAmount;
    return queued !== undefined && queued > this.maxLag;
  }

  admit(pub: Publication): boolean {
    if (this.overBudget()) {
      for (const sub of [...this.subs]) sub.fallBehind();
      return false;
    }
    const one = this.single;
    if (one !== null) {
      if (one.follows(pub)) {
        one.advance(pub);
        return true;
      }
      one.resync();
      return false;
    }
    for (const sub of this.subs) {
      if (sub.follows(pub)) continue;
      // some publications never reached this node (its broker connection was interrupted): history has them
      for (const s of [...this.subs]) s.resync();
      return false;
    }
    for (const sub of this.subs) sub.advance(pub);
    return true;
  }

  admitsEvent(): boolean {
    // presence events are not recovered: a connection over its budget misses them (it can ask for presence again)
    return !this.overBudget();
  }

  deliver(pub: Publication, frame: WireData): void {
    if (this.admit(pub)) this.peer.send(frame);
  }

  event(frame: WireData): void {
    if (this.admitsEvent()) this.peer.send(frame);
  }
}

/** A TopicContext for one client publish request. */
function requestContext<C>(conn: C, topic: string, channel: string): TopicContext<C> {
  let controller: AbortController | null = null;
  return {
    conn,
    topic,
    channel,
    get signal() {
      return (controller ??= new AbortController()).signal;
    },
  };
}

/**
 * The topic envelopes of one connection: Subscribe, Unsubscribe, Presence and
 * Publish. Its subscriptions end when the connection closes, taking their
 * presence with them.
 */
export class SessionTopics<C> implements TopicSession<C> {
  private readonly subs = new Map<number, TopicSub<C>>();
  private readonly shares = new Map<string, ChannelShare<C>>();
  private closed = false;

  constructor(
    readonly hub: TopicHub,
    readonly peer: TopicPeer<C>,
  ) {}

  /** Handles a topic envelope; false when `env` is not one. */
  receive(env: unknown[]): boolean {
    switch (env[0]) {
      case TopicKind.Subscribe:
        this.onSubscribe(env);
        return true;
      case TopicKind.Unsubscribe: {
        const ids = parseIds(env, 1);
        const sub = ids === null ? undefined : this.subs.get(ids[0]);
        if (sub !== undefined) this.drop(sub);
        return true;
      }
      case TopicKind.Presence:
        void this.onPresence(env);
        return true;
      case TopicKind.Publish:
        void this.onPublish(env);
        return true;
      default:
        return false;
    }
  }

  /** The connection closed: every subscription ends. */
  close(): void {
    this.closed = true;
    for (const sub of this.subs.values()) sub.end();
    this.subs.clear();
  }

  join(sub: TopicSub<C>): void {
    let share = this.shares.get(sub.channel);
    if (share === undefined) {
      share = new ChannelShare(this.peer, this.hub.limits.maxSubscriberLag);
      this.shares.set(sub.channel, share);
      this.hub.fanout.add(sub.channel, share);
    }
    share.add(sub);
  }

  leave(sub: TopicSub<C>): void {
    const share = this.shares.get(sub.channel);
    if (share === undefined || !share.delete(sub) || share.size > 0) return;
    this.shares.delete(sub.channel);
    this.hub.fanout.remove(sub.channel, share);
  }

  drop(sub: TopicSub<C>): void {
    sub.end();
    if (this.subs.get(sub.id) === sub) this.subs.delete(sub.id);
  }

  private onSubscribe(env: unknown[]): void {
    const parsed = parseSubscribe(env);
    if ('error' in parsed) {
      this.peer.sendError(parsed.id, new RpcError('BAD_REQUEST', parsed.error));
      return;
    }
    const sub = this.open(parsed);
    if (sub instanceof RpcError) this.peer.sendError(parsed.id, sub);
  }

  private open(s: SubscribeEnvelope): TopicSub<C> | RpcError | undefined {
    if (this.closed) return undefined;
    if (this.subs.has(s.id)) return new RpcError('BAD_REQUEST', `subscription id ${s.id} is in use`);
    if (this.subs.size >= this.hub.limits.maxSubscriptions) {
      return new RpcError('TOO_MANY_REQUESTS', `more than ${this.hub.limits.maxSubscriptions} subscriptions open`);
    }
    let route: TopicRoute;
    let key: { key: unknown; channel: string };
    try {
      route = this.hub.route(s.topic);
      key = this.hub.key(route, s.key);
    } catch (err) {
      return err as RpcError;
    }
    const sub = new TopicSub<C>(this, s.id, route, key.channel);
    this.subs.set(s.id, sub);
    void sub.run(key.key, s.since);
    return sub;
  }

  private async onPresence(env: unknown[]): Promise<void> {
    const ids = parseIds(env, 2);
    if (ids === null) {
      this.peer.sendError(typeof env[1] === 'number' ? env[1] : 0, new RpcError('BAD_REQUEST', 'bad presence request'));
      return;
    }
    const [id, subId] = ids;
    try {
      const sub = this.subs.get(subId);
      if (sub === undefined) throw new RpcError('NOT_FOUND', `no subscription ${subId}`);
      const values = await sub.presence();
      if (!this.closed) this.peer.send(this.peer.codec.result(id, values));
    } catch (err) {
      if (!this.closed) this.peer.sendError(id, this.peer.toError(err));
    }
  }

  /**
   * [23, id, topic, key, data]: validated, published and answered within this
   * call when the engine publishes synchronously and the topic has no publish
   * handler (no promise per publication); otherwise once both have settled.
   */
  private onPublish(env: unknown[]): void {
    const id = env[1];
    if (!isId(id) || typeof env[2] !== 'string') {
      this.peer.sendError(isId(id) ? id : 0, new RpcError('BAD_REQUEST', 'bad publish envelope'));
      return;
    }
    let at: StreamPosition | Promise<StreamPosition>;
    try {
      const route = this.hub.route(env[2]);
      if (!route.info.clientPublish) throw new RpcError('FORBIDDEN', `clients may not publish on ${route.info.name}`);
      const { key, channel } = this.hub.key(route, env[3]);
      const message = validate(route.info.message, env[4], 'BAD_REQUEST', 'publication');
      at = route.publish === undefined ? this.hub.publishNow(route, channel, message) : this.publishAfterHandler(route, key, channel, message);
    } catch (err) {
      this.answerError(id, err);
      return;
    }
    if (at instanceof Promise) at.then((p) => this.answerPosition(id, p), (err: unknown) => this.answerError(id, err));
    else this.answerPosition(id, at);
  }

  /** The topic's publish handler may refuse: the publication goes to the engine once it has returned. */
  private async publishAfterHandler(route: TopicRoute, key: unknown, channel: string, message: unknown): Promise<StreamPosition> {
    await (route.publish as NonNullable<TopicRoute['publish']>)(key, message, requestContext(this.peer.conn, route.info.name, channel));
    return this.hub.publishNow(route, channel, message);
  }

  private answerPosition(id: number, at: StreamPosition): void {
    if (!this.closed) this.peer.reply(positionResult(this.peer.codec, id, at));
  }

  private answerError(id: number, err: unknown): void {
    if (!this.closed) this.peer.sendError(id, this.peer.toError(err));
  }
}

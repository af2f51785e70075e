import type { HistoryResult, Publication } from '../engine/engine.js';
import type { EnvelopeCodec, WireData } from './codec.js';
import { RpcError } from './errors.js';
import type { TopicContext } from './handlers.js';
import { validate } from './service.js';
import type { StreamPosition } from './topic.js';
import { decodePayload, encodePayload, parseIds, parseSubscribe, SLOW_SUBSCRIBER_CLOSE, topicEnvelope, TopicKind, type SubscribeEnvelope } from './topic-envelopes.js';
import type { RecoveringMember, TopicHub, TopicRoute } from './topic-hub.js';

/** What the topics of one connection need from its session. */
export interface TopicPeer<C> {
  readonly codec: EnvelopeCodec;
  readonly conn: C;
  /** Bytes queued in the transport, if it knows. */
  readonly bufferedAmount: number | undefined;
  send(data: WireData): void;
  sendError(id: number, err: RpcError): void;
  /** Turns what a handler threw into the RpcError the client sees. */
  toError(err: unknown): RpcError;
  close(code: number, reason: string): void;
}

/** How often a subscriber that fell behind is checked for having drained. */
const DRAIN_POLL_MS = 20;

const ENDED = new RpcError('UNAVAILABLE', 'subscription ended');

/** Whether history read after `since` continues it without a gap. */
function covers(since: StreamPosition, h: HistoryResult): boolean {
  const at = h.position;
  if (since.epoch !== at.epoch || since.offset > at.offset) return false;
  if (since.offset === at.offset) return true;
  const first = h.publications[0];
  return first !== undefined && first.offset === since.offset + 1;
}

let nextPresenceId = 0;

/**
 * One subscription at the server. It reads history while holding the live
 * publications that arrive meanwhile (recovering), then merges both by
 * offset and joins the fan-out (live). Past the connection's lag budget it
 * leaves the fan-out (lagging) and, once the socket drained, recovers from
 * history again; without history the connection is closed instead.
 */
class TopicSub<C> implements RecoveringMember, TopicContext<C> {
  private state: 'starting' | 'recovering' | 'live' | 'lagging' | 'ended' = 'starting';
  /** The last position sent to the client. */
  private epoch = '';
  private offset = 0;
  private held: Publication[] | null = null;
  private overflowed = false;
  private acquired = false;
  private presenceId: string | null = null;
  private controller: AbortController | null = null;

  constructor(
    private readonly session: SessionTopics<C>,
    readonly id: number,
    private readonly route: TopicRoute,
    readonly channel: string,
  ) {}

  get codec() {
    return this.session.peer.codec.name;
  }

  get conn(): C {
    return this.session.peer.conn;
  }

  get topic(): string {
    return this.route.info.name;
  }

  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.state === 'ended') this.controller.abort(ENDED);
    }
    return this.controller.signal;
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  private get hub(): TopicHub {
    return this.session.hub;
  }

  /** Authorizes, catches up from `since` and goes live; then announces the presence the handler gave. */
  async run(key: unknown, since: StreamPosition | null): Promise<void> {
    try {
      const presence = await this.authorize(key);
      if (this.ended) return;
      await this.hub.acquire(this.channel);
      this.acquired = true;
      if (this.ended) return this.hub.release(this.channel);
      await this.catchUp(since, true);
      if (presence !== null && !this.ended) {
        const id = `${++nextPresenceId}`;
        await this.hub.addPresence(this.channel, id, presence);
        this.presenceId = id;
        if (this.ended) this.hub.removePresence(this.channel, id);
      }
    } catch (err) {
      if (this.ended) return;
      this.session.peer.sendError(this.id, this.session.peer.toError(err));
      this.session.drop(this);
    }
  }

  private async authorize(key: unknown): Promise<Uint8Array | null> {
    const handler = this.route.subscribe;
    if (handler === undefined) return null;
    const out = (await handler(key, this)) as { presence?: unknown } | undefined;
    const schema = this.route.info.presence;
    if (schema === null || out?.presence === undefined) return null;
    return encodePayload(validate(schema, out.presence, 'INVALID_OUTPUT', 'presence'));
  }

  /**
   * Reads history after `since` while holding live publications, sends what
   * the client lacks in offset order, then joins the fan-out. The first time
   * it answers the Subscribe; later (after lagging) it sends Reset only when
   * history could not bridge the gap.
   */
  private async catchUp(since: StreamPosition | null, first: boolean): Promise<void> {
    this.state = 'recovering';
    this.held = [];
    this.overflowed = false;
    this.hub.hold(this.channel, this);
    const h = await this.hub.history(this.channel, since === null ? undefined : { since });
    if (this.ended) return;
    const recovered = since !== null && covers(since, h);
    const start = recovered ? since : h.position;
    const { peer } = this.session;
    if (first) peer.send(topicEnvelope.subscribed(this.codec, this.id, this.channel, recovered, start));
    else if (!recovered) peer.send(topicEnvelope.reset(this.codec, this.channel, start));
    this.epoch = start.epoch;
    this.offset = start.offset;
    if (recovered) for (const p of h.publications) this.sendNew(p);
    const held = this.held;
    this.held = null;
    this.hub.unhold(this.channel, this);
    for (const p of held) this.sendNew(p);
    if (this.overflowed) return this.catchUp({ epoch: this.epoch, offset: this.offset }, false);
    this.state = 'live';
    this.hub.fanout.add(this.channel, this);
  }

  /** Sends a publication the client does not have yet (a new epoch counts as new). */
  private sendNew(p: Publication): void {
    if (p.epoch === this.epoch && p.offset <= this.offset) return;
    this.epoch = p.epoch;
    this.offset = p.offset;
    this.session.peer.send(topicEnvelope.publication(this.codec, this.channel, p.epoch, p.offset, p.data));
  }

  hold(pub: Publication): void {
    const held = this.held;
    if (held === null) return;
    if (held.length < this.hub.limits.maxRecoveryBuffer) held.push(pub);
    else this.overflowed = true;
  }

  private overBudget(): boolean {
    const queued = this.session.peer.bufferedAmount;
    return queued !== undefined && queued > this.hub.limits.maxSubscriberLag;
  }

  deliver(pub: Publication, frame: WireData): void {
    if (this.overBudget()) {
      this.fallBehind();
      return;
    }
    this.epoch = pub.epoch;
    this.offset = pub.offset;
    this.session.peer.send(frame);
  }

  event(frame: WireData): void {
    // presence events are not recovered: a subscriber over its budget misses them (it can ask for presence again)
    if (!this.overBudget()) this.session.peer.send(frame);
  }

  private fallBehind(): void {
    if (this.route.info.history === null) {
      this.session.peer.close(SLOW_SUBSCRIBER_CLOSE, 'subscriber too slow');
      return;
    }
    this.state = 'lagging';
    this.hub.fanout.remove(this.channel, this);
    void this.recoverWhenDrained();
  }

  private async recoverWhenDrained(): Promise<void> {
    const low = this.hub.limits.maxSubscriberLag / 2;
    while (!this.ended) {
      const queued = this.session.peer.bufferedAmount ?? 0;
      if (queued <= low) break;
      await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
    }
    if (this.ended) return;
    try {
      await this.catchUp({ epoch: this.epoch, offset: this.offset }, false);
    } catch (err) {
      if (this.ended) return;
      this.session.peer.sendError(this.id, this.session.peer.toError(err));
      this.session.drop(this);
    }
  }

  /** Presence of the channel, decoded. */
  async presence(): Promise<unknown[]> {
    return (await this.hub.presence(this.channel)).map(decodePayload);
  }

  /** Ends the subscription: leaves the fan-out, the engine channel and the presence. Idempotent. */
  end(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.controller?.abort(ENDED);
    this.hub.fanout.remove(this.channel, this);
    this.hub.unhold(this.channel, this);
    this.held = null;
    if (this.acquired) this.hub.release(this.channel);
    if (this.presenceId !== null) this.hub.removePresence(this.channel, this.presenceId);
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
export class SessionTopics<C> {
  private readonly subs = new Map<number, TopicSub<C>>();
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

  private async onPublish(env: unknown[]): Promise<void> {
    const ids = parseIds(env, 1);
    if (ids === null || typeof env[2] !== 'string') {
      this.peer.sendError(ids?.[0] ?? 0, new RpcError('BAD_REQUEST', 'bad publish envelope'));
      return;
    }
    const id = ids[0];
    try {
      const route = this.hub.route(env[2]);
      if (!route.info.clientPublish) throw new RpcError('FORBIDDEN', `clients may not publish on ${route.info.name}`);
      const { key, channel } = this.hub.key(route, env[3]);
      const message = validate(route.info.message, env[4], 'BAD_REQUEST', 'publication');
      if (route.publish !== undefined) await route.publish(key, message, requestContext(this.peer.conn, route.info.name, channel));
      const at = await this.hub.publishValid(route, channel, message);
      if (!this.closed) this.peer.send(this.peer.codec.result(id, { epoch: at.epoch, offset: at.offset }));
    } catch (err) {
      if (!this.closed) this.peer.sendError(id, this.peer.toError(err));
    }
  }
}

import type { HistoryResult, Publication } from '../engine/engine.js';
import type { EnvelopeCodec } from './codec.js';
import { RpcError } from './errors.js';
import type { TopicContext } from './handlers.js';
import type { TopicPeer } from './server-topics.js';
import { validate } from './service.js';
import type { StreamPosition } from './topic.js';
import { packValue, unpackValue } from './codec-msgpack.js';
import { SLOW_SUBSCRIBER_CLOSE, topicEnvelope } from './topic-envelopes.js';
import { publicationEnvelope } from './topic-frames.js';
import type { ChannelMember, TopicHub, TopicRoute } from './topic-hub.js';

/** What a subscription needs from its connection's topics. */
export interface TopicSession<C> {
  readonly hub: TopicHub;
  readonly peer: TopicPeer<C>;
  /** The subscription is live: it joins the connection's share of its channel. */
  join(sub: TopicSub<C>): void;
  /** The subscription stops receiving live publications (lagging or ended). */
  leave(sub: TopicSub<C>): void;
  /** The subscription failed or ended: it is forgotten. */
  drop(sub: TopicSub<C>): void;
}

/** How often a subscriber that fell behind is checked for having drained. */
const DRAIN_POLL_MS = 20;

/** Pauses between history reads while the engine is unavailable, doubling from the first to the last. */
const RETRY_FIRST_MS = 50;
const RETRY_LAST_MS = 2000;

const ENDED = new RpcError('UNAVAILABLE', 'subscription ended');

/** Whether history read after `since` continues it without a gap. */
function covers(since: StreamPosition, h: HistoryResult): boolean {
  const at = h.position;
  if (since.epoch !== at.epoch || since.offset > at.offset) return false;
  if (since.offset === at.offset) return true;
  const first = h.publications[0];
  return first !== undefined && first.offset === since.offset + 1;
}

/** Presence ids are unique across the nodes sharing an engine: this process's random prefix and a counter. */
const NODE_ID = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
let nextPresenceId = 0;

/**
 * One subscription at the server. It reads history while holding the live
 * publications that arrive meanwhile (recovering), then merges both by
 * offset and joins its connection's share of the channel (live). Past the
 * connection's lag budget it leaves it (lagging) and, once the socket
 * drained, recovers from history again; without history the connection is
 * closed instead. When the engine may have lost publications (a gap in the
 * offsets, or the engine says so), it recovers from history the same way.
 */
export class TopicSub<C> implements ChannelMember, TopicContext<C> {
  private state: 'starting' | 'recovering' | 'live' | 'lagging' | 'ended' = 'starting';
  /** The last position sent to the client. */
  private epoch = '';
  private offset = 0;
  private held: Publication[] | null = null;
  /** The held publications may lack some (too many to hold, or the engine was interrupted): read history again after merging. */
  private incomplete = false;
  private acquired = false;
  private presenceId: string | null = null;
  private controller: AbortController | null = null;

  constructor(
    private readonly session: TopicSession<C>,
    readonly id: number,
    private readonly route: TopicRoute,
    readonly channel: string,
  ) {}

  private get codec(): EnvelopeCodec {
    return this.session.peer.codec;
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
      await this.hub.acquire(this.channel, this);
      this.acquired = true;
      if (this.ended) return this.hub.release(this.channel, this);
      await this.catchUp(since, true);
      if (presence !== null && !this.ended) {
        const id = `${NODE_ID}:${++nextPresenceId}`;
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
    return packValue(validate(schema, out.presence, 'INVALID_OUTPUT', 'presence'));
  }

  /**
   * Reads history after `since` while holding live publications, sends what
   * the client lacks in offset order, then joins the fan-out. The first time
   * it answers the Subscribe; later (after lagging or an interruption) it
   * sends Reset only when history could not bridge the gap.
   */
  private async catchUp(since: StreamPosition | null, first: boolean): Promise<void> {
    this.state = 'recovering';
    this.held = [];
    this.incomplete = false;
    this.hub.hold(this.channel, this);
    let h = await this.hub.history(this.channel, since === null ? undefined : { since });
    if (this.ended) return;
    let start: StreamPosition = since !== null && covers(since, h) ? since : h.position;
    let recovered = start === since;
    if (!first && !recovered && since !== null && since.epoch !== h.position.epoch) {
      // The channel started a new epoch (its broker lost it): what history holds of the new epoch is still news to the client.
      const origin = { epoch: h.position.epoch, offset: 0 };
      const fresh = await this.hub.history(this.channel, { since: origin });
      if (this.ended) return;
      if (covers(origin, fresh)) {
        h = fresh;
        start = origin;
        recovered = true;
      }
    }
    const { peer } = this.session;
    if (first) peer.send(topicEnvelope.subscribed(this.codec, this.id, this.channel, recovered, start));
    else if (start !== since) peer.send(topicEnvelope.reset(this.codec, this.channel, start));
    this.epoch = start.epoch;
    this.offset = start.offset;
    if (recovered) for (const p of h.publications) this.sendNext(p);
    const held = this.held;
    this.held = null;
    this.hub.unhold(this.channel, this);
    // A held publication that does not follow the last one sent means some never reached this node: history has them.
    let complete = !this.incomplete;
    for (const p of held) {
      if (this.sendNext(p)) continue;
      complete = false;
      break;
    }
    if (!complete) return this.catchUp({ epoch: this.epoch, offset: this.offset }, false);
    this.state = 'live';
    this.session.join(this);
  }

  /** Whether a publication may follow the last one sent: one the client has, the next offset, or the first of a new epoch (the client reports it as a reset). */
  follows(p: Publication): boolean {
    return p.epoch === this.epoch ? p.offset <= this.offset + 1 : p.offset === 1;
  }

  /** Sends a publication that follows the last one sent and that the client does not have yet; false (nothing sent) if it does not follow. */
  private sendNext(p: Publication): boolean {
    if (!this.follows(p)) return false;
    if (p.epoch === this.epoch && p.offset <= this.offset) return true;
    this.epoch = p.epoch;
    this.offset = p.offset;
    this.session.peer.send(publicationEnvelope(this.codec, this.channel, p));
    return true;
  }

  hold(pub: Publication): void {
    const held = this.held;
    if (held === null) return;
    if (held.length < this.hub.limits.maxRecoveryBuffer) held.push(pub);
    else this.incomplete = true;
  }

  /** A live publication the connection's share sent (it follows, see `follows`); one a broker delivers late (already sent from history) moves nothing back. */
  advance(pub: Publication): void {
    if (pub.epoch === this.epoch && pub.offset <= this.offset) return;
    this.epoch = pub.epoch;
    this.offset = pub.offset;
  }

  /** The engine may have lost publications of the channel: a live subscription catches up from history, a recovering one reads it again. */
  interrupted(): void {
    if (this.state === 'recovering') this.incomplete = true;
    else if (this.state === 'live') this.resync();
  }

  /** A live publication does not follow the last one sent (some never reached this node): leave the fan-out and catch up from history. */
  resync(): void {
    if (this.state !== 'live') return;
    this.session.leave(this);
    void this.recover();
  }

  /** The connection is over its lag budget: catch up from history once it drained, or, without history, close it. */
  fallBehind(): void {
    if (this.route.info.history === null) {
      this.session.peer.close(SLOW_SUBSCRIBER_CLOSE, 'subscriber too slow');
      return;
    }
    this.state = 'lagging';
    this.session.leave(this);
    void this.recoverWhenDrained();
  }

  private async recoverWhenDrained(): Promise<void> {
    const low = this.hub.limits.maxSubscriberLag / 2;
    while (!this.ended) {
      const queued = this.session.peer.bufferedAmount ?? 0;
      if (queued <= low) break;
      await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
    }
    if (!this.ended) await this.recover();
  }

  /**
   * Catches up from the last position sent. While the engine is unavailable
   * (its broker is coming back) it tries again, backing off: the client keeps
   * its subscription and gets what it missed once history can be read. Any
   * other failure ends the subscription with that error.
   */
  private async recover(): Promise<void> {
    for (let pause = RETRY_FIRST_MS; ; pause = Math.min(pause * 2, RETRY_LAST_MS)) {
      try {
        return await this.catchUp({ epoch: this.epoch, offset: this.offset }, false);
      } catch (err) {
        if (this.ended) return;
        this.hub.unhold(this.channel, this);
        this.held = null;
        if (!(err instanceof RpcError && err.code === 'UNAVAILABLE')) {
          this.session.peer.sendError(this.id, this.session.peer.toError(err));
          return this.session.drop(this);
        }
      }
      await new Promise((r) => setTimeout(r, pause));
      if (this.ended) return;
    }
  }

  /** Presence of the channel, decoded. */
  async presence(): Promise<unknown[]> {
    return (await this.hub.presence(this.channel)).map(unpackValue);
  }

  /** Ends the subscription: leaves the fan-out, the engine channel and the presence. Idempotent. */
  end(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.controller?.abort(ENDED);
    this.session.leave(this);
    this.hub.unhold(this.channel, this);
    this.held = null;
    if (this.acquired) this.hub.release(this.channel, this);
    if (this.presenceId !== null) this.hub.removePresence(this.channel, this.presenceId);
  }
}

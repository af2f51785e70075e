import { EventEmitter } from 'node:events';
import type { Conn } from './conn.js';
import { slowConsumer, topicPublish, type SlowConsumerMessage, type TopicPublishMessage } from './diagnostics.js';
import { ConnError } from './errors.js';
import { Publication } from './publication.js';

/**
 * What a hub does with a subscriber whose outbound budget (`maxQueuedBytes`)
 * is used up when a publication arrives: 'close' closes it with 1013 (try
 * again later) and the reason 'slow subscriber', so it knows it missed
 * publications; 'skip' does not queue the publication for it and emits 'drop'
 * on the hub (the subscriber is not told).
 */
export type SlowPolicy = 'close' | 'skip';

/** Options of a Hub. */
export interface HubOptions {
  /** What happens to a subscriber over its outbound budget. Default 'close': raw topics keep no history to recover from. */
  slow?: SlowPolicy;
}

/** Options of `publish`. */
export interface PublishOptions {
  /** Send as a binary message. Default: true for bytes, false for strings (bytes with `binary: false` must be UTF-8). */
  binary?: boolean;
  /** Compress for subscribers that negotiated permessage-deflate. Default true (subject to their threshold). */
  compress?: boolean;
  /** The hub's slow-subscriber policy for this publication. */
  slow?: SlowPolicy;
}

/** Events of a Hub. */
export interface HubEvents {
  /** A publication was not queued for `conn`, over its outbound budget, under the 'skip' policy. */
  drop: [conn: Conn, topic: string];
}

/** A connection used a topic method without a hub ('ERR_NO_HUB'). */
export class NoHubError extends ConnError {
  constructor() {
    super('ERR_NO_HUB', 'this connection has no hub: pass { hub } to accept/fromUpgradeHTTP (listen makes one)');
  }
}

/** The subscribers of one topic, in the order they subscribed. */
export class Topic extends Set<Conn> {
  constructor(
    readonly hub: Hub,
    readonly name: string,
  ) {
    super();
  }
}

/** The topics of a connection that subscribes to two or more, in the order it subscribed. */
export class Membership extends Set<Topic> {
  constructor(readonly hub: Hub) {
    super();
  }
}

/**
 * What a connection holds of its hub: the hub while it subscribes to nothing,
 * the topic itself while it subscribes to one (most connections: no set of
 * their own), a Membership beyond that.
 */
export type TopicLink = Hub | Topic | Membership;

const NONE: readonly Topic[] = [];

/**
 * Topics for WebSocket connections: connections subscribe, `publish` sends a
 * message to every subscriber of a topic. A publication is framed once and the
 * same bytes are queued on every subscriber (compressed once for all the
 * subscribers that negotiated permessage-deflate without server context
 * takeover; with context takeover each connection compresses it itself);
 * each socket then gets one write per event-loop turn whatever the number of
 * publications. Subscribing and unsubscribing take constant time; a
 * connection leaves its topics when it ends.
 *
 * `listen` makes one (`server.hub`); connections made with `accept` or
 * `fromUpgradeHTTP` join one passed as `{ hub }`, so all of them can share it.
 */
export class Hub extends EventEmitter<HubEvents> {
  /** The default slow-subscriber policy. */
  readonly slow: SlowPolicy;
  private readonly byName = new Map<string, Topic>();
  private droppedCount = 0;

  constructor(options: HubOptions = {}) {
    super();
    const slow = options.slow ?? 'close';
    if (slow !== 'close' && slow !== 'skip') throw new RangeError(`slow must be 'close' or 'skip', got ${String(slow)}`);
    this.slow = slow;
  }

  /** Topics with at least one subscriber. */
  get topicCount(): number {
    return this.byName.size;
  }

  /** Publications not queued under the 'skip' policy, counted once per subscriber. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** How many connections subscribe to `topic`. */
  subscriberCount(topic: string): number {
    return this.byName.get(topic)?.size ?? 0;
  }

  /**
   * Send `data` to every open subscriber of `topic` (the publisher's own
   * connection too, when it subscribes). Returns on how many connections it
   * was queued. `data` is copied at once: it may be reused when this returns.
   */
  publish(topic: string, data: string | Uint8Array, options?: PublishOptions): number {
    const subscribers = this.byName.get(topic);
    if (subscribers === undefined) return 0;
    const isString = typeof data === 'string';
    if (!isString && !(data instanceof Uint8Array)) throw new TypeError('publish() takes a string or a Uint8Array');
    const publication = new Publication(data, options?.binary ?? !isString, options?.compress ?? true);
    const slow = options?.slow ?? this.slow;
    let queued = 0;
    let slowOnes = 0;
    for (const conn of subscribers) {
      if (!conn.isOpen) continue;
      if (conn.bufferedAmount >= conn.limits.maxQueuedBytes) {
        slowOnes++;
        this.tooSlow(conn, topic, slow);
        continue;
      }
      conn.deliver(publication);
      queued++;
    }
    if (topicPublish.hasSubscribers) topicPublish.publish({ topic, size: data.length, queued, slow: slowOnes } satisfies TopicPublishMessage);
    return queued;
  }

  /**
   * Subscribe `conn` to `topic`; false when it already was, or is closing. A
   * connection made without a hub joins this one; one of another hub is refused (RangeError).
   */
  subscribe(conn: Conn, topic: string): boolean {
    if (typeof topic !== 'string') throw new TypeError('a topic is a string');
    const held = this.heldBy(conn);
    if (!conn.isOpen) return false;
    let subscribers = this.byName.get(topic);
    if (subscribers === undefined) {
      subscribers = new Topic(this, topic);
      this.byName.set(topic, subscribers);
    } else if (subscribers.has(conn)) return false;
    subscribers.add(conn);
    if (held instanceof Membership) held.add(subscribers);
    else if (held instanceof Topic) conn.topicLink = new Membership(this).add(held).add(subscribers);
    else conn.topicLink = subscribers;
    return true;
  }

  /** Unsubscribe `conn` from `topic`; false when it was not subscribed. */
  unsubscribe(conn: Conn, topic: string): boolean {
    const held = this.heldBy(conn);
    const subscribers = this.byName.get(topic);
    if (held === null || subscribers === undefined || !subscribers.delete(conn)) return false;
    if (subscribers.size === 0) this.byName.delete(topic);
    if (held instanceof Membership) {
      held.delete(subscribers);
      if (held.size === 1) conn.topicLink = held.values().next().value as Topic;
    } else conn.topicLink = this;
    return true;
  }

  /** @internal `conn` ended: it leaves every topic. */
  leaveAll(conn: Conn): void {
    for (const subscribers of topicsIn(this.heldBy(conn))) {
      subscribers.delete(conn);
      if (subscribers.size === 0) this.byName.delete(subscribers.name);
    }
    conn.topicLink = this;
  }

  /** @internal the topics `conn` subscribes to, in the order it subscribed. */
  topicsOf(conn: Conn): string[] {
    return [...topicsIn(this.heldBy(conn))].map((t) => t.name);
  }

  /** @internal whether `conn` subscribes to `topic`. */
  has(conn: Conn, topic: string): boolean {
    return this.byName.get(topic)?.has(conn) ?? false;
  }

  /** What `conn` holds here (null: no topic); a connection without a hub joins this one. */
  private heldBy(conn: Conn): Topic | Membership | null {
    const link = conn.topicLink;
    if (link === this) return null;
    if (link === null) {
      conn.topicLink = this;
      return null;
    }
    if (link instanceof Hub || link.hub !== this) throw new RangeError('this connection belongs to another hub');
    return link;
  }

  private tooSlow(conn: Conn, topic: string, slow: SlowPolicy): void {
    if (slowConsumer.hasSubscribers) slowConsumer.publish({ topic, conn, action: slow } satisfies SlowConsumerMessage);
    if (slow === 'close') {
      conn.close(1013, 'slow subscriber').catch(ignore);
      return;
    }
    this.droppedCount++;
    if (this.listenerCount('drop') > 0) this.emit('drop', conn, topic);
  }
}

/** The hub a connection's topic methods act on. */
export function hubOf(link: TopicLink | null): Hub {
  if (link === null) throw new NoHubError();
  return link instanceof Hub ? link : link.hub;
}

function topicsIn(held: Topic | Membership | null): Iterable<Topic> {
  return held === null ? NONE : held instanceof Topic ? [held] : held;
}

function ignore(): void {}

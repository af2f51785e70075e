import type { Engine, EngineHandler, HistoryQuery, HistoryResult, Publication } from '../engine/engine.js';
import type { ChannelNames } from './channel-names.js';
import { RpcError } from './errors.js';
import { SetMap } from './set-map.js';
import { validate } from './service.js';
import type { StreamPosition, TopicInfo } from './topic.js';
import { packValue } from './codec-msgpack.js';
import * as TopicKind from './topic-kinds.js';
import type { Fanout } from './topic-fanout.js';
import { PresenceFrames, PublicationFrames } from './topic-frames.js';

/** Per-connection limits of the topics, next to ServerLimits. */
export interface TopicLimits {
  /** Subscriptions open at once per connection (default 1024). */
  maxSubscriptions: number;
  /**
   * Bytes queued for a connection above which its subscriptions stop receiving
   * (default 1 MiB): a topic with history recovers the subscriber from it once
   * it has drained; a topic without history closes the connection with 4008.
   */
  maxSubscriberLag: number;
  /** Live publications held for one subscription while it reads history (default 4096); past it, it reads history again. */
  maxRecoveryBuffer: number;
}

export const DEFAULT_TOPIC_LIMITS: TopicLimits = { maxSubscriptions: 1024, maxSubscriberLag: 1 << 20, maxRecoveryBuffer: 4096 };

/** A local subscription of a channel, as the hub sees it. */
export interface ChannelMember {
  /** A live publication that arrived while it reads history. */
  hold(pub: Publication): void;
  /** The engine may have lost publications of the channel: it catches up from history. */
  interrupted(): void;
}

/** A topic's handlers as the server runs them (typed at createServer). */
export interface TopicRoute {
  readonly info: TopicInfo;
  readonly subscribe?: (key: unknown, ctx: unknown) => unknown;
  readonly publish?: (key: unknown, message: unknown, ctx: unknown) => unknown;
  /** The message schema proved its values hold no Map or Set: packing them needs no walk (plain-schema.ts). */
  readonly plainMessage: boolean;
  /** Names the channel of each validated key. */
  readonly channels: ChannelNames;
}

/** A channel this node receives from the engine, for how many local subscriptions. */
interface ChannelRef {
  count: number;
  ready: Promise<void>;
}

function unavailable(err: unknown): RpcError {
  if (err instanceof RpcError) return err;
  return new RpcError('UNAVAILABLE', 'the pub/sub engine failed', undefined, { cause: err });
}

function rethrowUnavailable(err: unknown): never {
  throw unavailable(err);
}

/**
 * The server-wide side of the topics: validates and publishes into the
 * engine, receives the engine's deliveries and hands each to the fan-out,
 * encoded once per codec; keeps the engine subscribed to a channel while any
 * local subscription needs it.
 */
export class TopicHub implements EngineHandler {
  private readonly recovering = new SetMap<string, ChannelMember>();
  private readonly members = new SetMap<string, ChannelMember>();
  private readonly refs = new Map<string, ChannelRef>();
  private started: Promise<void> | null = null;
  /** The engine has started: publishing need not wait for it. */
  private running = false;
  /** What the engine is publishing now, packed and as a value: an engine that delivers within `publish` (the in-memory one) hands the bytes back and JSON subscribers need not decode them. */
  private ownData: Uint8Array | null = null;
  private ownValue: unknown = undefined;

  constructor(
    readonly routes: ReadonlyMap<string, TopicRoute>,
    private readonly engine: Engine,
    /** Who gets each publication on this node; the server assembly may give a faster one. */
    readonly fanout: Fanout,
    readonly limits: TopicLimits,
    private readonly maxMessageSize: number,
  ) {}

  /** Starts the engine on first use. */
  private ready(): Promise<void> {
    if (this.started === null) {
      const started = this.engine.start(this);
      this.started = started;
      started.then(
        () => (this.running = this.started === started),
        () => (this.started = null),
      );
    }
    return this.started;
  }

  /** The route of a topic, or NOT_FOUND. */
  route(topic: string): TopicRoute {
    const r = this.routes.get(topic);
    if (r === undefined) throw new RpcError('NOT_FOUND', `no topic ${topic}`);
    return r;
  }

  /** Validates a key and returns it with its channel. */
  key(route: TopicRoute, key: unknown): { key: unknown; channel: string } {
    const k = validate(route.info.key, key, 'BAD_REQUEST', 'topic key');
    return { key: k, channel: route.channels.of(k) };
  }

  /** Validates key and message once, then publishes; nothing is sent when either is invalid. */
  publish(topic: string, key: unknown, message: unknown): Promise<StreamPosition> {
    try {
      const route = this.route(topic);
      const { channel } = this.key(route, key);
      return this.publishValid(route, channel, validate(route.info.message, message, 'BAD_REQUEST', 'publication'));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Publishes a message already validated against the topic's schema. */
  publishValid(route: TopicRoute, channel: string, message: unknown): Promise<StreamPosition> {
    try {
      return Promise.resolve(this.publishNow(route, channel, message));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * publishValid, done within the call when the engine can (Engine.publishNow)
   * and has started: a client publish request is then answered with no promise
   * in between. Throws what publishValid would reject with.
   */
  publishNow(route: TopicRoute, channel: string, message: unknown): StreamPosition | Promise<StreamPosition> {
    const data = packValue(message, route.plainMessage);
    if (data.length > this.maxMessageSize) throw new RpcError('PAYLOAD_TOO_LARGE', `publication exceeds ${this.maxMessageSize} bytes`);
    // Once the engine runs, it gets the publication within this call: nothing can change the value between packing it and a local delivery reusing it.
    if (this.running) return this.toEngine(route, channel, data, message);
    return this.ready().then(() => this.toEngine(route, channel, data, message), (err: unknown) => Promise.reject(unavailable(err)));
  }

  private toEngine(route: TopicRoute, channel: string, data: Uint8Array, message: unknown): StreamPosition | Promise<StreamPosition> {
    const history = route.info.history;
    const opts = history === null ? undefined : { history };
    const engine = this.engine;
    this.ownData = data;
    this.ownValue = message;
    try {
      if (engine.publishNow !== undefined) return engine.publishNow(channel, data, opts);
      return engine.publish(channel, data, opts).catch(rethrowUnavailable);
    } catch (err) {
      throw unavailable(err);
    } finally {
      this.ownData = null;
      this.ownValue = undefined;
    }
  }

  async history(channel: string, query?: HistoryQuery): Promise<HistoryResult> {
    try {
      await this.ready();
      return await this.engine.history(channel, query);
    } catch (err) {
      throw unavailable(err);
    }
  }

  async presence(channel: string): Promise<Uint8Array[]> {
    try {
      await this.ready();
      return [...(await this.engine.presence(channel)).values()];
    } catch (err) {
      throw unavailable(err);
    }
  }

  async addPresence(channel: string, clientId: string, info: Uint8Array): Promise<void> {
    try {
      await this.ready();
      await this.engine.addPresence(channel, clientId, info);
    } catch (err) {
      throw unavailable(err);
    }
  }

  removePresence(channel: string, clientId: string): void {
    this.engine.removePresence(channel, clientId).catch(() => undefined);
  }

  /** One more local subscription needs the channel: the engine is subscribed on the first. */
  acquire(channel: string, member: ChannelMember): Promise<void> {
    this.members.add(channel, member);
    let ref = this.refs.get(channel);
    if (ref === undefined) {
      const ready = this.ready().then(() => this.engine.subscribe(channel));
      ref = { count: 0, ready };
      this.refs.set(channel, ref);
      ready.catch(() => {
        if (this.refs.get(channel) === ref) this.refs.delete(channel);
      });
    }
    ref.count++;
    return ref.ready.catch((err: unknown) => {
      this.members.delete(channel, member);
      throw unavailable(err);
    });
  }

  /** A local subscription no longer needs the channel: the engine is unsubscribed after the last. */
  release(channel: string, member: ChannelMember): void {
    this.members.delete(channel, member);
    const ref = this.refs.get(channel);
    if (ref === undefined || --ref.count > 0) return;
    this.refs.delete(channel);
    void ref.ready.then(() => {
      // a new subscriber may have come while the engine was still subscribing
      if (!this.refs.has(channel)) return this.engine.unsubscribe(channel);
    }).catch(() => undefined);
  }

  hold(channel: string, member: ChannelMember): void {
    this.recovering.add(channel, member);
  }

  unhold(channel: string, member: ChannelMember): void {
    this.recovering.delete(channel, member);
  }

  publication(channel: string, pub: Publication): void {
    // encoded once per codec its subscribers use; decoded only for JSON, and not at all when published here
    const own = pub.data === this.ownData;
    this.fanout.publish(channel, pub, new PublicationFrames(channel, pub, own ? this.ownValue : undefined, own));
    const held = this.recovering.get(channel);
    if (held !== undefined) for (const m of held) m.hold(pub);
  }

  /** The engine lost its broker for a while: every local subscription of these channels catches up from history. */
  interrupted(channels: readonly string[]): void {
    for (const channel of channels) {
      const members = this.members.get(channel);
      if (members !== undefined) for (const m of [...members]) m.interrupted();
    }
  }

  join(channel: string, _clientId: string, info: Uint8Array): void {
    this.fanout.event(channel, new PresenceFrames(TopicKind.Join, channel, info));
  }

  leave(channel: string, _clientId: string, info: Uint8Array): void {
    this.fanout.event(channel, new PresenceFrames(TopicKind.Leave, channel, info));
  }

  /** Closes the engine (once the server closes). */
  async close(): Promise<void> {
    const started = this.started;
    this.started = null;
    this.running = false;
    if (started !== null) await started.catch(() => undefined);
    await this.engine.close();
  }
}

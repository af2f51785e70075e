import type {
  Engine,
  EngineHandler,
  HistoryQuery,
  HistoryResult,
  Publication,
  EnginePublishOptions,
  StreamPosition,
} from '../engine/engine.js';
import { script } from './link.js';
import type { Listener, RedisLink } from './link.js';
import { openLink } from './open-link.js';
import { RedisEngineError, malformed } from './errors.js';
import { own, parseEvent } from './events.js';
import { channelKeys } from './keys.js';
import type { ChannelKeys } from './keys.js';
import { LocalPresence } from './local-presence.js';
import * as lua from './lua.js';
import { resolveOptions } from './options.js';
import { PublishBatcher, newEpoch } from './publish-batch.js';
import type { RedisEngineOptions, ResolvedOptions } from './options.js';

const HISTORY = script(lua.HISTORY);
const PRESENCE_ADD = script(lua.PRESENCE_ADD);
const PRESENCE_REFRESH = script(lua.PRESENCE_REFRESH);
const PRESENCE_REMOVE = script(lua.PRESENCE_REMOVE);
const PRESENCE_GET = script(lua.PRESENCE_GET);

/** Presence entries refreshed per script call. */
const REFRESH_BATCH = 500;

function bytes(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** A whole number of milliseconds Redis accepts for PEXPIRE. */
function ms(value: number): string {
  return String(Math.max(1, Math.ceil(value)));
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** A channel this node is subscribed to, or subscribing. */
interface Subscription {
  readonly listener: Listener;
  readonly ready: Promise<void>;
}

class RedisEngine implements Engine {
  private link: RedisLink | null = null;
  private publisher: PublishBatcher | null = null;
  private handler: EngineHandler | null = null;
  private closed = false;
  private starting = false;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly local = new LocalPresence();
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing = false;
  private readonly publishCommand: string;

  constructor(private readonly opts: ResolvedOptions) {
    this.publishCommand = opts.sharded ? 'spublish' : 'publish';
  }

  async start(handler: EngineHandler): Promise<void> {
    if (this.starting || this.link !== null) throw new RedisEngineError('ALREADY_STARTED', 'redisEngine: start() was called already');
    if (this.closed) throw new RedisEngineError('UNAVAILABLE', 'redis engine closed');
    this.starting = true;
    let link: RedisLink;
    try {
      link = await openLink(this.opts);
    } finally {
      this.starting = false;
    }
    if (this.closed) {
      await link.close();
      throw new RedisEngineError('UNAVAILABLE', 'redis engine closed while starting');
    }
    this.handler = handler;
    this.link = link;
    this.publisher = new PublishBatcher(link, this.publishCommand, this.opts.cluster !== undefined);
    link.onResubscribed(() => this.resubscribed());
    // Redis may have come back empty: write this node's presence back now rather than at the next refresh.
    link.onReconnected(() => void this.refreshPresence());
    this.refreshTimer = setInterval(() => void this.refreshPresence(), this.opts.presenceTtlMs / 3);
    this.refreshTimer.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.refreshTimer);
    this.subscriptions.clear();
    this.publisher?.flush();
    await this.link?.close();
  }

  publish(channel: string, data: Uint8Array, opts?: EnginePublishOptions): Promise<StreamPosition> {
    const publisher = this.publisher;
    if (this.closed || publisher === null) return Promise.reject(this.notReady());
    const history = opts?.history;
    const size = history === undefined ? 0 : Math.floor(history.size);
    const ttl = size > 0 && history !== undefined ? history.ttlMs : 0;
    return publisher.add(channel, {
      keys: this.keys(channel),
      data: bytes(data),
      size: String(size),
      historyTtl: ms(ttl),
      metaTtl: ms(size > 0 ? ttl : this.opts.metaTtlMs),
    });
  }

  async subscribe(channel: string): Promise<void> {
    const current = this.subscriptions.get(channel);
    if (current !== undefined) return current.ready;
    const link = this.ready();
    const k = this.keys(channel);
    const listener: Listener = (message) => this.deliver(channel, listener, message);
    const ready = link.subscribe(k.pubsub, listener).catch((err: unknown) => {
      if (this.subscriptions.get(channel)?.listener === listener) this.subscriptions.delete(channel);
      throw err;
    });
    this.subscriptions.set(channel, { listener, ready });
    return ready;
  }

  async unsubscribe(channel: string): Promise<void> {
    const current = this.subscriptions.get(channel);
    if (current === undefined) return;
    this.subscriptions.delete(channel);
    await this.ready().unsubscribe(this.keys(channel).pubsub, current.listener);
  }

  async history(channel: string, query?: HistoryQuery): Promise<HistoryResult> {
    const k = this.keys(channel);
    const since = query?.since;
    const limit = since === undefined ? 0 : query?.limit === undefined ? -1 : Math.max(0, Math.floor(query.limit));
    const reply = await this.ready().run(
      HISTORY,
      [k.meta, k.stream],
      [newEpoch(), since?.epoch ?? '', String(since === undefined ? 0 : since.offset + 1), String(limit), ms(this.opts.metaTtlMs)],
    );
    if (!Array.isArray(reply) || typeof reply[0] !== 'number' || !Buffer.isBuffer(reply[1])) throw malformed('history');
    const epoch = reply[1].toString('latin1');
    const publications: Publication[] = [];
    for (let i = 2; i + 1 < reply.length; i += 2) {
      const offset: unknown = reply[i];
      const data: unknown = reply[i + 1];
      if (typeof offset !== 'number' || !Buffer.isBuffer(data)) throw malformed('history');
      publications.push({ offset, epoch, data: own(data) });
    }
    return { publications, position: { epoch, offset: reply[0] } };
  }

  async addPresence(channel: string, clientId: string, info: Uint8Array): Promise<void> {
    const k = this.keys(channel);
    const link = this.ready();
    const data = bytes(info);
    const token = this.local.set(channel, clientId, data);
    try {
      await link.run(
        PRESENCE_ADD,
        [k.presence, k.presenceExpiry],
        [k.pubsub, this.publishCommand, ms(this.opts.presenceTtlMs), clientId, data],
      );
    } catch (err) {
      this.local.delete(channel, clientId, token);
      throw err;
    }
  }

  async removePresence(channel: string, clientId: string): Promise<void> {
    const k = this.keys(channel);
    const link = this.ready();
    this.local.delete(channel, clientId);
    await link.run(PRESENCE_REMOVE, [k.presence, k.presenceExpiry], [k.pubsub, this.publishCommand, clientId]);
  }

  async presence(channel: string): Promise<ReadonlyMap<string, Uint8Array>> {
    const k = this.keys(channel);
    const reply = await this.ready().run(PRESENCE_GET, [k.presence, k.presenceExpiry], [k.pubsub, this.publishCommand]);
    if (!Array.isArray(reply)) throw malformed('presence');
    const entries = new Map<string, Uint8Array>();
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const id: unknown = reply[i];
      const info: unknown = reply[i + 1];
      if (!Buffer.isBuffer(id) || !Buffer.isBuffer(info)) throw malformed('presence');
      entries.set(id.toString('utf8'), own(info));
    }
    return entries;
  }

  private keys(channel: string): ChannelKeys {
    return channelKeys(this.opts.prefix, channel);
  }

  private ready(): RedisLink {
    if (this.closed || this.link === null) throw this.notReady();
    return this.link;
  }

  private notReady(): RedisEngineError {
    return new RedisEngineError('UNAVAILABLE', this.closed ? 'redis engine closed' : 'redis engine not started');
  }

  private deliver(channel: string, listener: Listener, message: Buffer): void {
    // A listener whose subscription was dropped (or failed) may still hear a message in flight.
    if (this.subscriptions.get(channel)?.listener !== listener || this.handler === null) return;
    const event = parseEvent(message);
    if (event === null) return;
    try {
      if (event.kind === 'publication') this.handler.publication(channel, event.pub);
      else this.handler[event.kind](channel, event.clientId, event.info);
    } catch (err) {
      this.opts.onError(asError(err));
    }
  }

  private resubscribed(): void {
    const channels = [...this.subscriptions.keys()];
    if (this.closed || channels.length === 0) return;
    try {
      this.handler?.interrupted?.(channels);
    } catch (err) {
      this.opts.onError(asError(err));
    }
  }

  /** Writes this node's presence entries again with a new expiry (and back, if Redis lost them). */
  private async refreshPresence(): Promise<void> {
    const link = this.link;
    if (this.refreshing || this.closed || link === null) return;
    this.refreshing = true;
    try {
      const ttl = ms(this.opts.presenceTtlMs);
      const calls = [...this.local.batches(REFRESH_BATCH)].map(([channel, pairs]) => {
        const k = this.keys(channel);
        return link
          .run(PRESENCE_REFRESH, [k.presence, k.presenceExpiry], [k.pubsub, this.publishCommand, ttl, ...pairs])
          .catch((err: unknown) => this.opts.onError(asError(err)));
      });
      await Promise.all(calls);
    } finally {
      this.refreshing = false;
    }
  }
}

/**
 * The pub/sub engine on Redis, for several zwire nodes sharing one Redis:
 * `createServer(def, handlers, { engine: redisEngine({ url }) })`. Needs the
 * optional peer dependency `redis` (node-redis 5 or later). See docs/redis.md.
 */
export function redisEngine(options: RedisEngineOptions = {}): Engine {
  return new RedisEngine(resolveOptions(options));
}

import type { Engine, EngineHandler, HistoryPolicy, HistoryQuery, HistoryResult, EnginePublishOptions, Publication, StreamPosition } from './engine.js';

/** Options of the in-memory engine. */
export interface MemoryEngineOptions {
  /** Makes a new epoch string (default: 16 random hex digits). */
  newEpoch?: () => string;
  /** The clock, in ms (default Date.now), for history TTLs. */
  now?: () => number;
}

/** One channel's order, history ring and presence. */
interface Channel {
  epoch: string;
  offset: number;
  /** The ring: `size` slots, the newest publication at `(head - 1) mod size`. */
  ring: (Publication | undefined)[];
  head: number;
  count: number;
  /** When the history expires (ms); 0 = no history kept. */
  expires: number;
  presence: Map<string, Uint8Array> | null;
  /** Kept at least until then (ms) after its last subscriber or presence left, so a reconnecting client finds its epoch. */
  keepUntil: number;
}

function randomEpoch(): string {
  const b = new Uint8Array(8);
  crypto.getRandomValues(b);
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** How often channels whose history expired or that went idle are looked for, so that they do not stay in memory. */
const SWEEP_MS = 5_000;

/** How long a channel that had subscribers stays after the last one left: a window for reconnects. */
const KEEP_IDLE_MS = 60_000;

const NO_PRESENCE: ReadonlyMap<string, Uint8Array> = new Map();

class MemoryEngine implements Engine {
  private handler: EngineHandler | null = null;
  private readonly channels = new Map<string, Channel>();
  private readonly subscribed = new Set<string>();
  private readonly newEpoch: () => string;
  private readonly now: () => number;
  private closed = false;
  private sweeper: ReturnType<typeof setInterval> | null = null;

  constructor(options: MemoryEngineOptions) {
    this.newEpoch = options.newEpoch ?? randomEpoch;
    this.now = options.now ?? Date.now;
  }

  async start(handler: EngineHandler): Promise<void> {
    if (this.handler !== null) throw new Error('engine already started');
    this.handler = handler;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handler = null;
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
    this.subscribed.clear();
    this.channels.clear();
  }

  async publish(channel: string, data: Uint8Array, opts?: EnginePublishOptions): Promise<StreamPosition> {
    return this.publishNow(channel, data, opts);
  }

  publishNow(channel: string, data: Uint8Array, opts?: EnginePublishOptions): StreamPosition {
    this.check();
    const ch = this.channel(channel);
    this.expire(ch);
    const pub: Publication = { offset: ch.offset + 1, epoch: ch.epoch, data };
    ch.offset = pub.offset;
    if (opts?.history !== undefined) this.keep(ch, pub, opts.history);
    if (this.subscribed.has(channel)) this.handler?.publication(channel, pub);
    else this.forgetIfIdle(channel);
    return { epoch: pub.epoch, offset: pub.offset };
  }

  async subscribe(channel: string): Promise<void> {
    this.check();
    this.subscribed.add(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    if (this.subscribed.delete(channel)) this.holdIdle(channel);
  }

  async history(channel: string, query?: HistoryQuery): Promise<HistoryResult> {
    this.check();
    const ch = this.channel(channel);
    this.expire(ch);
    const position = { epoch: ch.epoch, offset: ch.offset };
    const since = query?.since;
    if (since === undefined || since.epoch !== ch.epoch || ch.count === 0) return { publications: [], position };
    const out: Publication[] = [];
    const limit = query?.limit ?? Infinity;
    const size = ch.ring.length;
    for (let i = ch.count; i > 0 && out.length < limit; i--) {
      const p = ch.ring[(ch.head - i + size) % size];
      if (p !== undefined && p.offset > since.offset) out.push(p);
    }
    return { publications: out, position };
  }

  async addPresence(channel: string, clientId: string, info: Uint8Array): Promise<void> {
    this.check();
    const ch = this.channel(channel);
    (ch.presence ??= new Map()).set(clientId, info);
    if (this.subscribed.has(channel)) this.handler?.join(channel, clientId, info);
  }

  async removePresence(channel: string, clientId: string): Promise<void> {
    this.check();
    const ch = this.channels.get(channel);
    const info = ch?.presence?.get(clientId);
    if (ch === undefined || info === undefined) return;
    ch.presence?.delete(clientId);
    if (ch.presence?.size === 0) ch.presence = null;
    if (this.subscribed.has(channel)) this.handler?.leave(channel, clientId, info);
    this.holdIdle(channel);
  }

  async presence(channel: string): Promise<ReadonlyMap<string, Uint8Array>> {
    this.check();
    return new Map(this.channels.get(channel)?.presence ?? NO_PRESENCE);
  }

  private sweep(): void {
    for (const [name, ch] of this.channels) {
      this.expire(ch);
      this.forgetIfIdle(name);
    }
  }

  /** A channel its last subscriber or presence just left stays for a grace period (see Channel.keepUntil). */
  private holdIdle(name: string): void {
    const ch = this.channels.get(name);
    if (ch !== undefined) ch.keepUntil = this.now() + KEEP_IDLE_MS;
  }

  private check(): void {
    if (this.closed) throw Object.assign(new Error('engine closed'), { code: 'UNAVAILABLE' });
  }

  private channel(name: string): Channel {
    let ch = this.channels.get(name);
    if (ch === undefined) {
      ch = { epoch: this.newEpoch(), offset: 0, ring: [], head: 0, count: 0, expires: 0, presence: null, keepUntil: 0 };
      this.channels.set(name, ch);
    }
    return ch;
  }

  /** Appends to the ring (resized if the policy changed) and pushes the expiry back. */
  private keep(ch: Channel, pub: Publication, policy: HistoryPolicy): void {
    const size = Math.max(1, Math.floor(policy.size));
    if (ch.ring.length !== size) {
      const kept: Publication[] = [];
      for (let i = Math.min(ch.count, size); i > 0; i--) kept.push(ch.ring[(ch.head - i + ch.ring.length) % ch.ring.length] as Publication);
      ch.ring = new Array<Publication | undefined>(size);
      for (let i = 0; i < kept.length; i++) ch.ring[i] = kept[i];
      ch.head = kept.length % size;
      ch.count = kept.length;
    }
    ch.ring[ch.head] = pub;
    ch.head = (ch.head + 1) % size;
    if (ch.count < size) ch.count++;
    ch.expires = this.now() + policy.ttlMs;
  }

  /**
   * A channel whose history expired loses it together with its position: a new
   * epoch starts, so a subscriber holding an old position learns that it cannot recover.
   */
  private expire(ch: Channel): void {
    if (ch.expires === 0 || this.now() < ch.expires) return;
    ch.ring = [];
    ch.head = 0;
    ch.count = 0;
    ch.expires = 0;
    ch.epoch = this.newEpoch();
    ch.offset = 0;
  }

  /**
   * Drops a channel nobody listens to and that keeps nothing (after the grace
   * period if it had listeners): its position then restarts in a new epoch, as
   * a broker without persistence would. Channels only published to, never
   * subscribed, go at once, so publishing to many keys holds no memory.
   */
  private forgetIfIdle(name: string): void {
    const ch = this.channels.get(name);
    if (ch === undefined || this.subscribed.has(name) || ch.presence !== null) return;
    const now = this.now();
    if ((ch.count > 0 && now < ch.expires) || now < ch.keepUntil) return;
    this.channels.delete(name);
  }
}

/**
 * The embedded engine: one process, everything in memory. History is a ring
 * per channel (`size` publications, dropped `ttlMs` after the last publication
 * together with its position, which starts a new epoch). Delivers to the
 * handler synchronously within `publish`, in offset order.
 */
export function memoryEngine(options: MemoryEngineOptions = {}): Engine {
  return new MemoryEngine(options);
}

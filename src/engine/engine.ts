/**
 * The pub/sub engine: where publications of a channel get their place in one
 * total order, where history is kept for recovery, and where presence lives.
 * The in-memory engine serves one process; the Redis engine (zwire/redis)
 * serves many nodes with the same contract. An engine knows nothing of
 * sockets, codecs or RPC: payloads are opaque bytes encoded once by the
 * publishing node.
 */

/** A place in a channel's stream: `offset` of the last publication (0 before the first) within `epoch`. */
export interface StreamPosition {
  /** Changes whenever the channel's history is lost (restart without persistence, expiry): offsets of another epoch are not comparable. */
  readonly epoch: string;
  readonly offset: number;
}

/** One publication as it travels through the engine. */
export interface Publication {
  /** Position in the channel: one more than the previous publication's in the same epoch. */
  readonly offset: number;
  readonly epoch: string;
  /** The payload, encoded once by the publishing node. */
  readonly data: Uint8Array;
}

/** History kept for a channel, for recovery after a reconnect. */
export interface HistoryPolicy {
  /** Publications kept at most. */
  readonly size: number;
  /** How long the history lives after the last publication, in milliseconds. */
  readonly ttlMs: number;
}

export interface EnginePublishOptions {
  /** Keep the publication in the channel's history (absent: offsets advance, nothing is kept). */
  readonly history?: HistoryPolicy;
}

export interface HistoryQuery {
  /** Publications after this position; absent: only the current position is returned. */
  readonly since?: StreamPosition;
  /** At most this many publications (the earliest ones after `since`). */
  readonly limit?: number;
}

export interface HistoryResult {
  /** Publications after `since.offset`, in order, if `since.epoch` is the current epoch; else empty. */
  readonly publications: readonly Publication[];
  /** The channel's current position (epoch and last offset). */
  readonly position: StreamPosition;
}

/** What an engine delivers to the node that started it, for channels that node subscribed to. */
export interface EngineHandler {
  /** A publication of a subscribed channel, in offset order per channel. */
  publication(channel: string, pub: Publication): void;
  /** A presence entry was added on some node. */
  join(channel: string, clientId: string, info: Uint8Array): void;
  /** A presence entry was removed on some node. */
  leave(channel: string, clientId: string, info: Uint8Array): void;
  /**
   * Delivery of these subscribed channels was interrupted (the node lost its
   * connection to the broker) and has resumed: their publications and
   * presence events of the meantime may be missing. Their subscribers must
   * catch up from history, or be told they missed some. Publications after
   * the gap may arrive before this call. An engine that cannot lose
   * deliveries (the in-memory one) never calls it.
   */
  interrupted?(channels: readonly string[]): void;
}

/**
 * The contract every engine implements. Methods reject with an Error whose
 * `code` is 'UNAVAILABLE' when the broker cannot be reached: nothing is
 * reported done that was not.
 */
export interface Engine {
  /** Called once by the server before any other method. */
  start(handler: EngineHandler): Promise<void>;
  /** Stops delivering and releases the engine's connections and timers. */
  close(): Promise<void>;
  /** Appends one publication to the channel's order, keeps it in history per `opts`, delivers it to every subscribed node; resolves with its position. */
  publish(channel: string, data: Uint8Array, opts?: EnginePublishOptions): Promise<StreamPosition>;
  /**
   * Optional: `publish` done within the call, for an engine that orders
   * publications in this process (the in-memory one). A publish call then
   * costs no promise; it throws where `publish` would reject.
   */
  publishNow?(channel: string, data: Uint8Array, opts?: EnginePublishOptions): StreamPosition;
  /** This node starts receiving the channel's publications and presence events (call on its first local subscriber). */
  subscribe(channel: string): Promise<void>;
  /** This node stops receiving the channel (call on its last local subscriber leaving). */
  unsubscribe(channel: string): Promise<void>;
  /** Reads history after a position, and the current position. */
  history(channel: string, query?: HistoryQuery): Promise<HistoryResult>;
  /** Adds (or refreshes) a presence entry and announces a join to subscribed nodes. */
  addPresence(channel: string, clientId: string, info: Uint8Array): Promise<void>;
  /** Removes a presence entry and announces a leave to subscribed nodes. */
  removePresence(channel: string, clientId: string): Promise<void>;
  /** Every live presence entry of a channel: clientId -> info. */
  presence(channel: string): Promise<ReadonlyMap<string, Uint8Array>>;
}

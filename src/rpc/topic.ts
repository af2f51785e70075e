import type { HistoryPolicy } from '../engine/engine.js';
import type { Schema } from './service.js';

export type { HistoryPolicy, StreamPosition } from '../engine/engine.js';

/**
 * A topic: one channel per distinct key. Publications are validated against
 * `message` once, when published; subscribers receive them in one order per key.
 */
export interface TopicDef {
  /** The key's schema: each distinct (validated) key is its own channel. */
  topic: Schema;
  /** What is published on the topic. */
  message: Schema;
  /** Keep publications for recovery after a reconnect (optional). */
  history?: HistoryPolicy;
  /** What each subscriber shows to the others (optional; the subscribe handler returns it). */
  presence?: Schema;
  /** Clients may publish too, through the topic's `publish` handler (default: only the server publishes). */
  publish?: true;
}

/** What both sides precompute once per topic. */
export interface TopicInfo {
  readonly name: string;
  readonly key: Schema;
  readonly message: Schema;
  readonly history: HistoryPolicy | null;
  readonly presence: Schema | null;
  readonly clientPublish: boolean;
}

/** Whether a definition entry is a topic (it has `topic` and `message`) rather than a method. */
export function isTopicDef(def: object): def is TopicDef {
  return 'topic' in def;
}

function schemaOf(name: string, field: string, value: unknown): Schema {
  if (typeof value !== 'object' || value === null || typeof (value as { safeParse?: unknown }).safeParse !== 'function') {
    throw new TypeError(`topic ${name}: ${field} must be a zod schema`);
  }
  return value as Schema;
}

function historyOf(name: string, h: HistoryPolicy | undefined): HistoryPolicy | null {
  if (h === undefined) return null;
  if (!(Number.isInteger(h.size) && h.size > 0 && Number.isFinite(h.ttlMs) && h.ttlMs > 0)) {
    throw new TypeError(`topic ${name}: history needs a positive integer size and a positive ttlMs`);
  }
  return { size: h.size, ttlMs: h.ttlMs };
}

export function compileTopic(name: string, def: TopicDef): TopicInfo {
  return {
    name,
    key: schemaOf(name, 'topic', def.topic),
    message: schemaOf(name, 'message', def.message),
    history: historyOf(name, def.history),
    presence: def.presence === undefined ? null : schemaOf(name, 'presence', def.presence),
    clientPublish: def.publish === true,
  };
}

/** JSON with object keys sorted at every level, so equal keys always give the same text. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  // built in one string, no array: every publish and subscribe names its channel this way
  const keys = Object.keys(obj);
  if (keys.length > 1) keys.sort();
  let out = '{';
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(k)}:${stableJson(v)}`;
  }
  return `${out}}`;
}

/** The engine channel of a topic key: the topic's name and the stable JSON of the validated key. */
export function channelName(topic: string, key: unknown): string {
  return `${topic}:${stableJson(key)}`;
}

/**
 * The message layer's node:diagnostics_channel channels (docs/observability.md).
 * A message is built only when its channel has subscribers.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Conn } from './conn.js';

/** `zwire:topic:publish`: a Hub publication was queued (published by the message-layer Hub). */
export interface TopicPublishMessage {
  topic: string;
  /** Payload bytes (UTF-16 code units for a string). */
  size: number;
  /** Connections it was queued on. */
  queued: number;
  /** Subscribers over their outbound budget (closed or skipped). */
  slow: number;
}

/** `zwire:slow-consumer`: a subscriber over its outbound budget when a publication arrived. */
export interface SlowConsumerMessage {
  topic: string;
  conn: Conn;
  /** 'close': closed with 1013; 'skip': the publication was not queued for it. */
  action: 'close' | 'skip';
}

export const topicPublish = diagnostics.channel('zwire:topic:publish');
export const slowConsumer = diagnostics.channel('zwire:slow-consumer');

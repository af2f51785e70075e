/**
 * zwire/client/topics: typed topics (subscribe, presence, publish) for the
 * browser client, opt-in by import so that a bundle without topics carries
 * none of their code. zwire/client (Node) imports it already.
 */
import { registerTopics } from './rpc-topic-support.js';
import { topicClient } from './rpc-topic-client.js';

registerTopics(topicClient);

/** Registers topic support (importing this module already did; calling it again is harmless). */
export function enableTopics(): void {
  registerTopics(topicClient);
}

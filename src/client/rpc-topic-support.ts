import type { RpcClientCore } from './rpc-core.js';
import type { ClientTopicInfo } from './rpc-subscription.js';

/** Builds `client.<topic>` (subscribe, and publish where enabled). */
export type TopicClientFactory = (core: RpcClientCore, info: ClientTopicInfo, timeoutMs: number) => object;

/**
 * Topic support is registered by importing zwire/client/topics (zwire/client
 * does it), so a browser bundle that uses no topics carries none of their code.
 */
let factory: TopicClientFactory | null = null;

/** Makes topics usable by clients created from now on. */
export function registerTopics(make: TopicClientFactory): void {
  factory = make;
}

/** The registered factory, if any. */
export function registeredTopics(): TopicClientFactory | null {
  return factory;
}

/** The registered factory; a clear error when a service has topics and none is registered. */
export function topicClientFactory(): TopicClientFactory {
  if (factory === null) throw new TypeError("topics need: import 'zwire/client/topics'");
  return factory;
}

import { RpcError, topicEnvelope, type StreamPosition } from '../rpc/protocol.js';
import type { RpcClientCore } from './rpc-core.js';
import { ClientSubscription, type ClientTopicInfo, type SubscribeOptions } from './rpc-subscription.js';
import { TopicRequest } from './rpc-topic-request.js';

function position(v: unknown): StreamPosition {
  const p = v as Partial<StreamPosition> | null;
  if (typeof p?.epoch !== 'string' || typeof p.offset !== 'number') throw new RpcError('INVALID_OUTPUT', 'bad publish answer');
  return { epoch: p.epoch, offset: p.offset };
}

/** `client.<topic>`: subscribe, and publish where the definition enables it. */
export function topicClient(core: RpcClientCore, info: ClientTopicInfo, timeoutMs: number): object {
  const subscribe = (key: unknown, o?: SubscribeOptions) => new ClientSubscription(core, info, key, timeoutMs, o);
  if (!info.clientPublish) return { subscribe };
  const publish = (key: unknown, message: unknown, o?: { timeoutMs?: number }): Promise<StreamPosition> => {
    const id = core.nextId();
    const req = new TopicRequest(core, id, () => topicEnvelope.publish(core.codec, id, info.name, key, message), position, o?.timeoutMs ?? timeoutMs);
    core.submit(req);
    return req.promise;
  };
  return { subscribe, publish };
}


import type { Service, ServiceDef } from '../rpc/protocol.js';
import { openStream, startCall, type CallSettings } from './rpc-call-start.js';
import { topicClientFactory } from './rpc-topic-support.js';
import type { CallOptions } from './rpc-types.js';

/** The methods of a validating client: one function per method of the definition, one object per topic. */
export function methodsFromDefinition(s: CallSettings, service: Service<ServiceDef>): Record<string, unknown> {
  const methods: Record<string, unknown> = {};
  for (const info of service.table.values()) {
    methods[info.name] =
      info.kind === 'stream'
        ? (input: unknown, o?: CallOptions) => openStream(s, info, input, o)
        : (input: unknown, o?: CallOptions) => startCall(s, info, input, info.kind === 'notify' ? undefined : o);
  }
  if (service.topics.size > 0) {
    const topicClient = topicClientFactory();
    for (const info of service.topics.values()) methods[info.name] = topicClient(s.core, info, s.timeoutMs);
  }
  return methods;
}

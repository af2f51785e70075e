import type { ClientCodec } from '../rpc/codec.js';
import { RpcError } from '../rpc/errors.js';
import type { MethodInfo, Service, ServiceDef } from '../rpc/service.js';
import { ClientStreamCall, NotifyCall, UnaryCall } from './rpc-calls.js';
import type { RpcClientCore } from './rpc-core.js';
import { RpcStream } from './rpc-stream.js';
import { topicClientFactory } from './rpc-topic-support.js';
import type { CallOptions } from './rpc-types.js';

/** The CANCELLED error for a call whose signal had already fired, or null. */
export function cancelledByCaller(o: CallOptions | undefined): RpcError | null {
  return o?.signal?.aborted === true ? new RpcError('CANCELLED', 'cancelled by the caller', undefined, { cause: o.signal.reason }) : null;
}

/** Submits the call `make` builds, unless the caller's signal has already fired; answers with its promise. */
function submitted(core: RpcClientCore, o: CallOptions | undefined, make: () => UnaryCall | ClientStreamCall): Promise<unknown> {
  const err = cancelledByCaller(o);
  if (err !== null) return Promise.reject(err);
  const call = make();
  core.submit(call);
  return call.promise;
}

/** Builds the client function of one method from its definition (validating client). */
export function methodFromDefinition(core: RpcClientCore, codec: ClientCodec, info: MethodInfo, timeoutMs: number, window: number): unknown {
  switch (info.kind) {
    case 'unary':
      return (input: unknown, o?: CallOptions) => submitted(core, o, () => new UnaryCall(core, codec, core.nextId(), info, input, o, timeoutMs));
    case 'stream':
      return (input: unknown, o?: CallOptions) => {
        const s = new RpcStream<unknown>(core, core, codec, core.nextId(), info, input, window, info.resumable, o);
        const err = cancelledByCaller(o);
        if (err !== null) s.fail(err);
        return s;
      };
    case 'clientStream':
      return (items: AsyncIterable<unknown> | Iterable<unknown>, o?: CallOptions) =>
        submitted(core, o, () => new ClientStreamCall(core, codec, core.nextId(), info, items, o, timeoutMs));
    case 'notify':
      return (input: unknown) => {
        const call = new NotifyCall(core, codec, info, input, timeoutMs);
        core.submit(call);
        return call.promise;
      };
  }
}

/** The methods of a validating client: one function per method of the definition, one object per topic. */
export function methodsFromDefinition(core: RpcClientCore, codec: ClientCodec, service: Service<ServiceDef>, timeoutMs: number, window: number): Record<string, unknown> {
  const methods: Record<string, unknown> = {};
  for (const info of service.table.values()) methods[info.name] = methodFromDefinition(core, codec, info, timeoutMs, window);
  if (service.topics.size > 0) {
    const topicClient = topicClientFactory();
    for (const info of service.topics.values()) methods[info.name] = topicClient(core, info, timeoutMs);
  }
  return methods;
}

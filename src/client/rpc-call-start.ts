import type { MethodInfo, RpcError } from '../rpc/protocol.js';
import { RequestCall } from './rpc-calls.js';
import { cancelledError } from './rpc-pending.js';
import type { RpcClientCore } from './rpc-core.js';
import { RpcStream } from './rpc-stream.js';
import type { CallOptions } from './rpc-types.js';

/** What starting a call needs of its client: shared by the validating and the types-only client. */
export interface CallSettings {
  readonly core: RpcClientCore;
  readonly timeoutMs: number;
  readonly window: number;
}

/** The CANCELLED error for a call whose signal had already fired, or null. */
function cancelledByCaller(o: CallOptions | undefined): RpcError | null {
  return o?.signal?.aborted === true ? cancelledError(o.signal.reason) : null;
}

/**
 * Sends a unary call, a client stream (`input` is then the items) or a
 * notification, by `info.kind`; answers with its outcome. A call whose
 * signal has already fired is not sent and fails with CANCELLED.
 */
export function startCall(s: CallSettings, info: MethodInfo, input: unknown, o: CallOptions | undefined): Promise<unknown> {
  const err = cancelledByCaller(o);
  if (err !== null) return Promise.reject(err);
  const { core, timeoutMs } = s;
  // a notification takes no options and no id
  const call = info.kind === 'notify' ? new RequestCall(core, 0, info, input, undefined, timeoutMs) : new RequestCall(core, core.nextId(), info, input, o, timeoutMs);
  core.submit(call);
  return call.promise;
}

/** Opens a server stream (sent when first iterated); it fails at once with `refusal`, or with CANCELLED when the signal has already fired. */
export function openStream(s: CallSettings, info: MethodInfo, input: unknown, o: CallOptions | undefined, refusal: RpcError | null = null): RpcStream<unknown> {
  const { core } = s;
  const stream = new RpcStream<unknown>(core, core.nextId(), info, input, s.window, o);
  const err = refusal ?? cancelledByCaller(o);
  if (err !== null) stream.fail(err);
  return stream;
}

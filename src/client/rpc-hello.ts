import * as Protocol from '../rpc/protocol.js';
import { parseServerEnvelope, RpcError, type ClientCodec, type WireData } from '../rpc/protocol.js';
import { errorFromEnvelope } from './rpc-pending.js';
import { sendQuietly, type ClientTransport, type TransportEvents, type TransportFactory } from './transport.js';

/** Connection parameters, or a function called before every (re)connect that returns them. */
export type ConnectionParams = Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);

/** What a close before the Welcome means: the refusal's code when the close code says it. */
function closedBeforeWelcome(code: number, reason: string): RpcError {
  const refused = code === Protocol.UNAUTHORIZED ? 'UNAUTHORIZED' : code === Protocol.FORBIDDEN ? 'FORBIDDEN' : null;
  return new RpcError(refused ?? 'UNAVAILABLE', `closed before the server accepted the connection (${code} ${reason})`);
}

/**
 * Opens connections through `factory`, sending the connection parameters
 * in-band as the first message (Hello) and resolving once the server answered
 * Welcome; a refusal rejects with the server's RpcError (UNAUTHORIZED,
 * FORBIDDEN, ...). `params` is resolved again for every connection. A
 * connection that is not `inBand` is used as it is, unless `always`.
 */
export function withHello(
  factory: TransportFactory,
  codec: ClientCodec,
  params: () => Promise<Record<string, string> | undefined>,
  timeoutMs: number,
  always: boolean,
): TransportFactory {
  return async (protocols, events, signal) => {
    const hello = codec.hello((await params()) ?? {});
    let welcomed = false;
    let settle: (err: Error | null) => void = () => undefined;
    const admitted = new Promise<void>((resolve, reject) => (settle = (err) => (err === null ? resolve() : reject(err))));
    // a connection used without a Hello never awaits it
    admitted.catch(() => undefined);
    const inner: TransportEvents = {
      message(data: WireData) {
        if (welcomed) return events.message(data);
        let env: unknown;
        try {
          env = codec.decode(data);
        } catch {
          return;
        }
        if (!Array.isArray(env)) return;
        if (env[0] === Protocol.Welcome) {
          welcomed = true;
          settle(null);
          return;
        }
        const parsed = parseServerEnvelope(env);
        if (parsed.kind === Protocol.Error && parsed.id === 0) settle(errorFromEnvelope(parsed));
      },
      close(code, reason) {
        if (welcomed) events.close(code, reason);
        else settle(closedBeforeWelcome(code, reason));
      },
    };
    const t: ClientTransport = await factory(protocols, inner, signal);
    if (!always && t.inBand !== true) {
      welcomed = true;
      return t;
    }
    const timer = setTimeout(() => settle(new RpcError('UNAVAILABLE', 'no Welcome in time')), timeoutMs);
    const onAbort = (): void => settle(new RpcError('UNAVAILABLE', 'client closed'));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      sendQuietly(t, hello);
      await admitted;
      return t;
    } catch (err) {
      t.close(1000, 'not accepted');
      throw err;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  };
}

import * as Protocol from '../rpc/protocol.js';
import { RpcError, type WireData } from '../rpc/protocol.js';
import { errorFromEnvelope, type CallHost, type CallReply, type Pending } from './rpc-pending.js';

const LOST = new RpcError('UNAVAILABLE', 'connection lost before the answer arrived');

/** A one-answer topic request (presence, client publish): a Result or an Error with its id. */
export class TopicRequest<T> implements Pending {
  /** Sent again on the next connection when the server refused it unrun (GoAway), as a unary call is. */
  readonly kind = 'unary' as const;
  settled = false;
  readonly deadline: number;
  readonly promise: Promise<T>;
  private resolve!: (value: T) => void;
  private reject!: (err: RpcError) => void;

  constructor(
    private readonly host: CallHost,
    readonly id: number,
    private readonly encode: () => WireData,
    private readonly parse: (value: unknown) => T,
    timeoutMs: number,
  ) {
    this.deadline = timeoutMs > 0 ? Date.now() + timeoutMs : 0;
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  start(): boolean {
    return this.host.send(this, this.encode());
  }

  onMessage(env: CallReply): void {
    if (env.kind !== Protocol.Result && env.kind !== Protocol.Error) return;
    if (!this.finish()) return;
    if (env.kind === Protocol.Error) {
      this.reject(errorFromEnvelope(env));
      return;
    }
    try {
      this.resolve(this.parse(env.output));
    } catch (err) {
      this.reject(err instanceof RpcError ? err : new RpcError('INVALID_OUTPUT', 'unexpected answer from the server', undefined, { cause: err }));
    }
  }

  fail(err: RpcError): void {
    if (this.finish()) this.reject(err);
  }

  lost(): boolean {
    this.fail(LOST);
    return false;
  }

  private finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.host.forget(this, false);
    return true;
  }
}

import type { ClientCodec } from '../rpc/codec.js';
import { Kind, MAX_CREDIT } from '../rpc/envelope.js';
import { RpcError } from '../rpc/errors.js';
import type { MethodInfo } from '../rpc/service.js';
import { BaseCall, checkResponse, errorFromEnvelope, protocolError, type CallHost, type CallReply, type Pending } from './rpc-pending.js';
import type { CallOptions } from './rpc-types.js';

const LOST = new RpcError('UNAVAILABLE', 'connection lost before the answer arrived');

/** A request/response call. */
export class UnaryCall extends BaseCall {
  private resolve!: (value: unknown) => void;
  private reject!: (err: RpcError) => void;
  readonly promise: Promise<unknown>;

  constructor(host: CallHost, private readonly codec: ClientCodec, id: number, info: MethodInfo, private readonly input: unknown, options: CallOptions | undefined, timeoutMs: number) {
    super(host, id, info, options, timeoutMs);
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  start(): boolean {
    return this.host.send(this, this.codec.call(this.id, this.info.name, this.input, this.meta));
  }

  onMessage(env: CallReply): void {
    if (env.kind === Kind.Result) {
      if (!this.settle(false)) return;
      try {
        this.resolve(checkResponse(this.host, this.info, env.output, 'result'));
      } catch (err) {
        this.reject(err as RpcError);
      }
    } else if (env.kind === Kind.Error) {
      if (this.settle(false)) this.reject(errorFromEnvelope(env));
    }
  }

  fail(err: RpcError): void {
    if (this.settle(err.code === 'TIMEOUT' || err.code === 'CANCELLED')) this.reject(err);
  }

  lost(): boolean {
    this.fail(LOST);
    return false;
  }
}

/** A one-way notification: settles once handed to a connection. */
export class NotifyCall implements Pending {
  readonly id = 0;
  readonly kind = 'notify';
  readonly deadline: number;
  settled = false;
  private resolve!: () => void;
  private reject!: (err: RpcError) => void;
  readonly promise: Promise<void>;

  constructor(private readonly host: CallHost, private readonly codec: ClientCodec, private readonly info: MethodInfo, private readonly input: unknown, timeoutMs: number) {
    this.deadline = timeoutMs > 0 ? Date.now() + timeoutMs : 0;
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  start(): boolean {
    if (this.host.send(this, this.codec.notify(this.info.name, this.input)) && !this.settled) {
      this.settled = true;
      this.resolve();
    }
    return false;
  }

  onMessage(): void {}

  fail(err: RpcError): void {
    if (this.settled) return;
    this.settled = true;
    this.host.forget(this, false);
    this.reject(err);
  }

  lost(): boolean {
    return false;
  }
}

/** A client-to-server stream: sends items as the server grants credit, then waits for the result. */
export class ClientStreamCall extends BaseCall {
  private resolve!: (value: unknown) => void;
  private reject!: (err: RpcError) => void;
  readonly promise: Promise<unknown>;
  private credit = 0;
  private wake: (() => void) | null = null;
  private started = false;

  constructor(
    host: CallHost,
    private readonly codec: ClientCodec,
    id: number,
    info: MethodInfo,
    private readonly items: AsyncIterable<unknown> | Iterable<unknown>,
    options: CallOptions | undefined,
    timeoutMs: number,
  ) {
    super(host, id, info, options, timeoutMs);
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  start(): boolean {
    if (this.started) return false;
    this.started = true;
    if (!this.host.send(this, this.codec.clientStream(this.id, this.info.name, this.meta))) return false;
    void this.pump();
    return true;
  }

  private async pump(): Promise<void> {
    try {
      for await (const item of this.items) {
        while (this.credit <= 0 && !this.settled) await new Promise<void>((r) => (this.wake = r));
        if (this.settled) return;
        this.credit--;
        if (!this.host.send(this, this.codec.push(this.id, item))) return;
      }
      if (!this.settled) this.host.send(this, this.codec.end(this.id));
    } catch (err) {
      this.fail(err instanceof RpcError ? err : new RpcError('CANCELLED', 'the input iterable failed', undefined, { cause: err }));
    }
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  onMessage(env: CallReply): void {
    switch (env.kind) {
      case Kind.Credit:
        if (this.credit + env.n > MAX_CREDIT) {
          this.fail(protocolError(`client stream credit beyond ${MAX_CREDIT}`));
          return;
        }
        this.credit += env.n;
        this.wakeUp();
        return;
      case Kind.Result:
        if (!this.settle(false)) return;
        this.wakeUp();
        try {
          this.resolve(checkResponse(this.host, this.info, env.output, 'result'));
        } catch (err) {
          this.reject(err as RpcError);
        }
        return;
      case Kind.Error:
        if (!this.settle(false)) return;
        this.wakeUp();
        this.reject(errorFromEnvelope(env));
    }
  }

  fail(err: RpcError): void {
    if (!this.settle(err.code !== 'UNAVAILABLE' && this.started)) return;
    this.wakeUp();
    this.reject(err);
  }

  lost(): boolean {
    this.fail(LOST);
    return false;
  }
}

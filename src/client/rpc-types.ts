import type { z } from 'zod';
import type { Schema, ServiceDef } from '../rpc/service.js';
import type { RpcStream } from './rpc-stream.js';

/** Options every call accepts. */
export interface CallOptions {
  /** Cancels the call; the server's `ctx.signal` aborts too. */
  signal?: AbortSignal;
  /** Fails the call with TIMEOUT (and cancels it at the server) after this many ms. */
  timeoutMs?: number;
}

/** Client input type: what the input schema accepts, or void when there is none. */
export type ClientInput<D> = D extends { input: infer S extends Schema } ? z.input<S> : void;

/** The client-side signature of one method definition. */
export type ClientMethod<D> = D extends { stream: infer T extends Schema }
  ? (input: ClientInput<D>, options?: CallOptions) => RpcStream<z.output<T>>
  : D extends { clientStream: infer T extends Schema; output: infer O extends Schema }
    ? (items: AsyncIterable<z.input<T>> | Iterable<z.input<T>>, options?: CallOptions) => Promise<z.output<O>>
    : D extends { notify: true }
      ? (input: ClientInput<D>) => Promise<void>
      : D extends { output: infer O extends Schema }
        ? (input: ClientInput<D>, options?: CallOptions) => Promise<z.output<O>>
        : never;

/** The typed methods of a client for a service. */
export type ClientMethods<S extends ServiceDef> = { readonly [K in keyof S]: ClientMethod<S[K]> };

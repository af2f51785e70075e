import type { z } from 'zod';
import type { CallMeta, Schema, ServiceDef, StreamPosition } from '../rpc/protocol.js';
import type { RpcStream } from './rpc-stream.js';
import type { SubscribeOptions, Subscription } from './rpc-subscription.js';

/** Options every call accepts. */
export interface CallOptions {
  /** Cancels the call; the server's `ctx.signal` aborts too. */
  signal?: AbortSignal;
  /** Fails the call with TIMEOUT (and cancels it at the server) after this many ms. */
  timeoutMs?: number;
  /** Sent with the call, e.g. W3C trace context: `{ traceparent }`; the server's handler reads it as `ctx.meta`. */
  meta?: CallMeta;
}

/** Client input type: what the input schema accepts, or void when there is none. */
export type ClientInput<D> = D extends { input: infer S extends Schema } ? z.input<S> : void;

/** A topic's presence type on the client, or never when it keeps none. */
export type ClientPresence<D> = D extends { presence: infer P extends Schema } ? z.output<P> : never;

/** A topic on the client: `subscribe`, and `publish` where the definition enables it. */
export type ClientTopic<D> = D extends { topic: infer K extends Schema; message: infer M extends Schema }
  ? {
      /** Subscribes to one key of the topic; see Subscription. */
      subscribe(key: z.input<K>, options?: SubscribeOptions): Subscription<z.output<M>, ClientPresence<D>>;
    } & (D extends { publish: true }
      ? {
          /** Publishes on one key of the topic, through the server's publish handler; resolves with its position. */
          publish(key: z.input<K>, message: z.input<M>, options?: { timeoutMs?: number }): Promise<StreamPosition>;
        }
      : unknown)
  : never;

/** The client-side signature of one method definition (a topic's: ClientTopic). */
export type ClientMethod<D> = D extends { topic: Schema; message: Schema }
  ? ClientTopic<D>
  : D extends { stream: infer T extends Schema }
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

/** A server stream as the types-only client returns it: RpcStream's public surface. */
export interface ServerStream<T> extends AsyncIterableIterator<T> {
  /** Stops the stream; the server's handler sees `ctx.signal` abort. */
  cancel(): void;
  /** Id of the last event received (for streams whose server tags items). */
  readonly lastEventId: string | undefined;
}

/**
 * The signature of one method on a types-only client. Client-stream items come
 * as an iterator or async iterable, not an array: with no definition at run
 * time, an array is taken as the input of a unary call.
 */
export type TypesOnlyMethod<D> = D extends { stream: infer T extends Schema }
  ? (input: ClientInput<D>, options?: CallOptions) => ServerStream<z.output<T>>
  : D extends { clientStream: infer T extends Schema; output: infer O extends Schema }
    ? (items: AsyncIterable<z.input<T>> | IterableIterator<z.input<T>>, options?: CallOptions) => Promise<z.output<O>>
    : ClientMethod<D>;

/** The typed methods of a types-only client for a service. */
export type TypesOnlyMethods<S extends ServiceDef> = { readonly [K in keyof S]: TypesOnlyMethod<S[K]> };

type NamesOf<S, P> = { [K in keyof S]: S[K] extends P ? K : never }[keyof S] & string;

/** Names of a service's notification methods. */
export type NotifyName<S> = NamesOf<S, { notify: true }>;

/** Names of a service's resumable server streams. */
export type ResumableName<S> = NamesOf<S, { resumable: true }>;

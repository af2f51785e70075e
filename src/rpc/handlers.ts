import type { z } from 'zod';
import type { CallMeta } from './codec.js';
import type { EventItem, MethodKind, Schema, ServiceDef } from './service.js';

/** The `ctx` every handler and middleware receives. `C` is what the connection hook built. */
export interface CallContext<C = unknown> {
  /** The value the server's `context` hook returned for this connection. */
  readonly conn: C;
  readonly method: string;
  readonly kind: MethodKind;
  /** Call id on the wire (0 for notifications). */
  readonly id: number;
  /** The validated input (client streams: undefined). */
  readonly input: unknown;
  /** Aborts when the client cancels, times out or disconnects. */
  readonly signal: AbortSignal;
  /** For resumed streams: the last event id the client received. */
  readonly lastEventId: string | undefined;
  /** What the client sent with the call (CallOptions.meta), e.g. W3C trace context `{ traceparent }`. */
  readonly meta: CallMeta | undefined;
}

/**
 * Middleware around every call, outermost first. `next()` runs the rest of
 * the chain and the handler: for a unary call it resolves with the result,
 * for a stream once the stream has ended. Throw an RpcError to refuse the call.
 */
export type Middleware<C = unknown> = (ctx: CallContext<C>, next: () => Promise<unknown>) => Promise<unknown>;

type Awaitable<T> = T | Promise<T>;

/** Handler input type: the parsed (output) type of the input schema, or undefined. */
export type HandlerInput<D> = D extends { input: infer S extends Schema } ? z.output<S> : undefined;

/** The handler a server must provide for one method definition. */
export type Handler<D, C> = D extends { stream: infer T extends Schema }
  ? (input: HandlerInput<D>, ctx: CallContext<C>) => AsyncIterable<z.input<T> | EventItem<z.input<T>>> | Iterable<z.input<T> | EventItem<z.input<T>>>
  : D extends { clientStream: infer T extends Schema; output: infer O extends Schema }
    ? (items: AsyncIterable<z.output<T>>, ctx: CallContext<C>) => Awaitable<z.input<O>>
    : D extends { notify: true }
      ? (input: HandlerInput<D>, ctx: CallContext<C>) => Awaitable<void>
      : D extends { output: infer O extends Schema }
        ? (input: HandlerInput<D>, ctx: CallContext<C>) => Awaitable<z.input<O>>
        : never;

/** One handler per method of the service. */
export type Handlers<S extends ServiceDef, C = unknown> = { [K in keyof S]: Handler<S[K], C> };

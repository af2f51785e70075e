import type { z } from 'zod';
import type { CallMeta } from './codec.js';
import type { EventItem, MethodKind, MethodNames, Schema, ServiceDef, TopicNames } from './service.js';
import type { StreamPosition, TopicDef } from './topic.js';

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

/** A topic's key as the publisher gives it. */
export type TopicKeyInput<D> = D extends { topic: infer K extends Schema } ? z.input<K> : never;
/** A topic's key as handlers see it, validated. */
export type TopicKey<D> = D extends { topic: infer K extends Schema } ? z.output<K> : never;
/** A topic's message as the publisher gives it. */
export type TopicMessageInput<D> = D extends { message: infer M extends Schema } ? z.input<M> : never;
/** A topic's presence as the subscribe handler returns it. */
export type TopicPresenceInput<D> = D extends { presence: infer P extends Schema } ? z.input<P> : never;

/**
 * Publishes on a topic of service S: the message is validated once (an invalid
 * one rejects with BAD_REQUEST and nothing is sent); resolves with its position.
 */
export type Publish<S> = <T extends TopicNames<S>>(topic: T, key: TopicKeyInput<S[T]>, message: TopicMessageInput<S[T]>) => Promise<StreamPosition>;

/** What `ctx.publish` adds to the handlers' context in a service with topics. */
export interface PublishContext<S> {
  /** Publishes on one of the service's topics (see Publish). */
  readonly publish: Publish<S>;
}

/** The `ctx` of the handlers of service S: CallContext, plus `publish` when S has topics. */
export type ContextOf<S, C> = [TopicNames<S>] extends [never] ? CallContext<C> : CallContext<C> & PublishContext<S>;

/** The `ctx` of a topic's subscribe and publish handlers. */
export interface TopicContext<C = unknown> {
  /** The value the server's `context` hook returned for this connection. */
  readonly conn: C;
  readonly topic: string;
  /** The engine channel of this topic key. */
  readonly channel: string;
  /** Aborts when the subscription ends (unsubscribed, connection closed) or the publish request is over. */
  readonly signal: AbortSignal;
}

/** What a subscribe handler may return: the subscriber's presence on topics that keep presence. */
export type SubscribeResult<D> = [TopicPresenceInput<D>] extends [never] ? void : { presence?: TopicPresenceInput<D> } | void;

/**
 * The handlers of one topic, both optional: `subscribe` authorizes each
 * subscription (throw an RpcError such as FORBIDDEN to refuse) and gives its
 * presence; `publish` (topics with `publish: true`) authorizes a client's
 * publication (throw to refuse). Without a `subscribe` handler anyone may subscribe.
 */
export type TopicHandlers<D, C, X = TopicContext<C>> = {
  subscribe?: (key: TopicKey<D>, ctx: X) => Awaitable<SubscribeResult<D>>;
} & (D extends { publish: true }
  ? { publish?: (key: TopicKey<D>, message: D extends { message: infer M extends Schema } ? z.output<M> : never, ctx: X) => Awaitable<void> }
  : unknown);

/** Handler input type: the parsed (output) type of the input schema, or undefined. */
export type HandlerInput<D> = D extends { input: infer S extends Schema } ? z.output<S> : undefined;

/** The handler a server must provide for one method definition; `X` is its `ctx`. */
export type Handler<D, C, X = CallContext<C>> = D extends { stream: infer T extends Schema }
  ? (input: HandlerInput<D>, ctx: X) => AsyncIterable<z.input<T> | EventItem<z.input<T>>> | Iterable<z.input<T> | EventItem<z.input<T>>>
  : D extends { clientStream: infer T extends Schema; output: infer O extends Schema }
    ? (items: AsyncIterable<z.output<T>>, ctx: X) => Awaitable<z.input<O>>
    : D extends { notify: true }
      ? (input: HandlerInput<D>, ctx: X) => Awaitable<void>
      : D extends { output: infer O extends Schema }
        ? (input: HandlerInput<D>, ctx: X) => Awaitable<z.input<O>>
        : never;

/** One handler per method of the service and, optionally, one TopicHandlers object per topic (left out: anyone may subscribe, no publish check). */
export type Handlers<S extends ServiceDef, C = unknown> = {
  [K in keyof S]?: S[K] extends TopicDef ? TopicHandlers<S[K], C> : Handler<S[K], C, ContextOf<S, C>>;
} & {
  // methods are required; `unknown` for a topic keeps its handlers' contextual type intact while S is being inferred
  [K in MethodNames<S>]-?: S[K] extends TopicDef ? unknown : Handler<S[K], C, ContextOf<S, C>>;
};

import type { z } from 'zod';
import { RpcError } from './errors.js';
import { compileTopic, isTopicDef, type TopicDef, type TopicInfo } from './topic.js';

/** What `safeParse` answers; the failure carries zod's issues. */
export type SafeParseResult = { success: true; data: unknown } | { success: false; error: { issues: z.core.$ZodIssue[] } };

/** Any zod 4 schema, from `zod` or from `zod/mini` (both have `safeParse`). */
export type Schema = z.core.$ZodType & { safeParse(value: unknown): SafeParseResult };

/** Request/response: `client.m(input) -> Promise<output>`. */
export interface UnaryDef {
  input?: Schema;
  output: Schema;
}

/** Server-to-client stream: the handler is an (async) generator, the client iterates with for-await. */
export interface ServerStreamDef {
  input?: Schema;
  stream: Schema;
  /**
   * The client reopens this stream after a reconnect, passing the last event id
   * it received (see `withEventId`) as `ctx.lastEventId`.
   */
  resumable?: boolean;
}

/** Client-to-server stream: the client passes an (async) iterable of items, the server answers once. */
export interface ClientStreamDef {
  clientStream: Schema;
  output: Schema;
}

/** One-way notification: no response, no id. */
export interface NotifyDef {
  input?: Schema;
  notify: true;
}

export type MethodDef = UnaryDef | ServerStreamDef | ClientStreamDef | NotifyDef;

/** The shape given to defineService: method or topic name -> definition. */
export type ServiceDef = Record<string, MethodDef | TopicDef>;

/** The names of a service's topics. */
export type TopicNames<S> = { [K in keyof S]: S[K] extends TopicDef ? K : never }[keyof S] & string;

/** The names of a service's methods (everything that is not a topic). */
export type MethodNames<S> = Exclude<keyof S, TopicNames<S>>;

export type MethodKind = 'unary' | 'stream' | 'clientStream' | 'notify';

/** What both sides precompute once per method. */
export interface MethodInfo {
  readonly name: string;
  readonly kind: MethodKind;
  /** Input schema (client stream: item schema), or null when there is none. */
  readonly input: Schema | null;
  /** Output schema (server stream: item schema), or null when there is none. */
  readonly output: Schema | null;
  readonly resumable: boolean;
}

/** A service definition, shared by the server and the client. */
export interface Service<S extends ServiceDef = ServiceDef> {
  readonly methods: S;
  /** Precompiled method table (name -> info); topics are not in it. */
  readonly table: ReadonlyMap<string, MethodInfo>;
  /** Precompiled topic table (name -> info). */
  readonly topics: ReadonlyMap<string, TopicInfo>;
  /**
   * @internal How the client checks answers against these schemas (`validate`
   * below): carried by the definition, so a client made from its type alone
   * (`createClient<typeof service>(url)`) never loads it.
   */
  readonly validate: Validate;
}

/** Names the typed client uses for itself; a method cannot take them. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['close', 'on', 'state', 'ready', 'then', 'constructor']);

/** RESERVED_NAMES as a type, so using one fails to compile too ('constructor' is caught at run time only: every object type has it). */
export type ReservedName = 'close' | 'on' | 'state' | 'ready' | 'then';

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && typeof (value as { safeParse?: unknown }).safeParse === 'function';
}

function optionalSchema(name: string, field: string, value: unknown): Schema | null {
  if (value === undefined) return null;
  if (!isSchema(value)) throw new TypeError(`method ${name}: ${field} must be a zod schema`);
  // zod 4 schemas (classic and mini) carry `_zod`; zod 3's do not
  if (!('_zod' in value)) throw new TypeError(`method ${name}: ${field} is a zod 3 schema; zwire needs zod 4 (npm install zod@^4; schemas of zod or zod/mini)`);
  return value;
}

function compileMethod(name: string, def: MethodDef): MethodInfo {
  const d = def as Partial<UnaryDef & ServerStreamDef & ClientStreamDef & NotifyDef>;
  if (d.stream !== undefined) {
    return { name, kind: 'stream', input: optionalSchema(name, 'input', d.input), output: optionalSchema(name, 'stream', d.stream), resumable: d.resumable === true };
  }
  if (d.clientStream !== undefined) {
    return { name, kind: 'clientStream', input: optionalSchema(name, 'clientStream', d.clientStream), output: optionalSchema(name, 'output', d.output), resumable: false };
  }
  if (d.notify === true) {
    return { name, kind: 'notify', input: optionalSchema(name, 'input', d.input), output: null, resumable: false };
  }
  if (d.output === undefined) throw new TypeError(`method ${name}: needs output, stream, clientStream or notify`);
  return { name, kind: 'unary', input: optionalSchema(name, 'input', d.input), output: optionalSchema(name, 'output', d.output), resumable: false };
}

/**
 * Defines a service once; the server and the typed client both take it.
 * Each method is unary (`input`/`output`), a server stream (`stream`),
 * a client stream (`clientStream`/`output`) or a notification (`notify: true`);
 * an entry with `topic` (the key's schema) and `message` is a topic.
 */
export function defineService<const S extends ServiceDef>(methods: S & { [K in ReservedName]?: never }): Service<S> {
  const table = new Map<string, MethodInfo>();
  const topics = new Map<string, TopicInfo>();
  for (const name of Object.keys(methods)) {
    if (RESERVED_NAMES.has(name)) throw new TypeError(`method name "${name}" is reserved by the client`);
    const def = methods[name];
    if (isTopicDef(def)) topics.set(name, compileTopic(name, def));
    else table.set(name, compileMethod(name, def));
  }
  return { methods, table, topics, validate };
}

/** A value a stream handler yields to tag an item with an id for resumption. */
export class EventItem<T> {
  constructor(readonly id: string, readonly item: T) {}
}

/** Tags a streamed item with an event id; a resumed stream gets the last one as `ctx.lastEventId`. */
export function withEventId<T>(id: string | number, item: T): EventItem<T> {
  return new EventItem(String(id), item);
}

/** The signature of `validate`. */
export type Validate = typeof validate;

/**
 * Validates a value with a schema (none: the value as it is), throwing an RpcError with the zod issues on failure.
 * `code` distinguishes bad input (BAD_REQUEST) from bad output (INVALID_OUTPUT).
 */
export function validate(schema: Schema | null | undefined, value: unknown, code: 'BAD_REQUEST' | 'INVALID_OUTPUT', what: string): unknown {
  if (schema == null) return value;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new RpcError(code, `${what} failed validation`, { issues: r.error.issues });
}

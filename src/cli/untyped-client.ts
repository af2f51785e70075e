import { z } from 'zod';
import { createClient, RpcError, zwireTransport } from '../client/rpc-exports.js';
import type { Subscription, SubscribeOptions } from '../client/rpc-subscription.js';
import type { CallOptions } from '../client/rpc-types.js';
import { DESCRIBE_METHOD, type MethodDescription, type ServiceDescription } from '../rpc/introspection.js';
import { validate, type MethodInfo, type MethodKind, type Service } from '../rpc/service.js';
import type { TopicInfo } from '../rpc/topic.js';
import { UsageError, type Args } from './args.js';

type Invoke = (input: unknown, options?: CallOptions) => unknown;

/**
 * The typed RPC client run without a service definition: a method table
 * made on the spot (no schemas: the server validates), the codec and
 * transport chosen on the command line. One connection serves `$describe`
 * and the call or subscription.
 */
export class UntypedClient {
  private readonly client: Record<string, unknown> & { close(): Promise<void> };

  constructor(url: string, args: Args, methods: Record<string, MethodKind>, topic?: string) {
    const table = new Map<string, MethodInfo>();
    for (const [name, kind] of Object.entries(methods)) table.set(name, { name, kind, input: null, output: null, resumable: false });
    const topics = new Map<string, TopicInfo>();
    if (topic !== undefined) {
      // z.unknown() lets everything through: the server validates keys and publications
      topics.set(topic, { name: topic, key: z.unknown(), message: z.unknown(), history: null, presence: z.unknown(), clientPublish: false });
    }
    const service: Service = { methods: {}, table, topics, validate };
    this.client = createClient(service, url, {
      codec: args.codec,
      reconnect: false,
      heartbeatMs: 0,
      timeoutMs: args.timeoutMs ?? 10_000,
      transport: zwireTransport(url, { headers: args.headers, http2: args.http2, tls: args.insecure ? { rejectUnauthorized: false } : undefined }),
    }) as unknown as Record<string, unknown> & { close(): Promise<void> };
  }

  invoke(method: string, input: unknown, options?: CallOptions): unknown {
    return (this.client[method] as Invoke)(input, options);
  }

  /** Subscribes to one key of the topic named when the client was made. */
  subscribe(topic: string, key: unknown, options: SubscribeOptions): Subscription<unknown, unknown> {
    return (this.client[topic] as { subscribe(key: unknown, o: SubscribeOptions): Subscription<unknown, unknown> }).subscribe(key, options);
  }

  /** The server's description, or null when it does not offer introspection. */
  async describe(): Promise<ServiceDescription | null> {
    try {
      return (await this.invoke(DESCRIBE_METHOD, undefined)) as ServiceDescription;
    } catch (err) {
      if (err instanceof RpcError && err.code === 'NOT_FOUND') return null;
      throw err;
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/**
 * Checks a method and its input against the server's description: a
 * missing method, the wrong kind for the command, or input its schema
 * refuses is a UsageError (exit 2) before anything is sent.
 */
export function checkCall(description: ServiceDescription, method: string, kinds: readonly MethodKind[], input: unknown): void {
  const d: MethodDescription | undefined = description.methods[method];
  if (d === undefined) {
    throw new UsageError(`no method ${method}; the server has: ${Object.keys(description.methods).join(', ') || '(none)'}`);
  }
  if (!kinds.includes(d.kind)) {
    throw new UsageError(`${method} is a ${d.kind} method: use ${d.kind === 'stream' ? 'zwire watch' : 'zwire call'}`);
  }
  if (d.input === null) return;
  const r = rebuild(d.input)?.safeParse(input);
  if (r !== undefined && !r.success) throw new UsageError(`the input does not match ${method}'s schema:\n${z.prettifyError(r.error)}`);
}

function rebuild(schema: unknown): z.ZodType | null {
  try {
    return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    return null; // a schema zod cannot rebuild: the server still validates
  }
}

/**
 * Checks a topic and its key against the server's description: an unknown
 * topic or a key its schema refuses is a UsageError (exit 2) before subscribing.
 */
export function checkTopic(description: ServiceDescription, topic: string, key: unknown): void {
  const d = description.topics?.[topic];
  if (d === undefined) {
    throw new UsageError(`no topic ${topic}; the server has: ${Object.keys(description.topics ?? {}).join(', ') || '(none)'}`);
  }
  const r = rebuild(d.key)?.safeParse(key);
  if (r !== undefined && !r.success) throw new UsageError(`the key does not match ${topic}'s schema:\n${z.prettifyError(r.error)}`);
}

import { z } from 'zod';
import { createClient, RpcError, zwireTransport } from '../client/rpc-exports.js';
import type { CallOptions } from '../client/rpc-types.js';
import { DESCRIBE_METHOD, type MethodDescription, type ServiceDescription } from '../rpc/introspection.js';
import type { MethodInfo, MethodKind, Service } from '../rpc/service.js';
import { UsageError, type Args } from './args.js';

type Invoke = (input: unknown, options?: CallOptions) => unknown;

/**
 * The typed RPC client run without a service definition: a method table
 * made on the spot (no schemas: the server validates), the codec and
 * transport chosen on the command line. One connection serves `$describe`
 * and the call.
 */
export class UntypedClient {
  private readonly client: Record<string, unknown> & { close(): Promise<void> };

  constructor(url: string, args: Args, methods: Record<string, MethodKind>) {
    const table = new Map<string, MethodInfo>();
    for (const [name, kind] of Object.entries(methods)) table.set(name, { name, kind, input: null, output: null, resumable: false });
    const service: Service = { methods: {}, table, topics: new Map() };
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
  let schema: z.ZodType;
  try {
    schema = z.fromJSONSchema(d.input as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    return; // a schema zod cannot rebuild: the server still validates
  }
  const r = schema.safeParse(input);
  if (!r.success) throw new UsageError(`the input does not match ${method}'s schema:\n${z.prettifyError(r.error)}`);
}

import { RpcError } from '../client/rpc-exports.js';
import type { MethodKind } from '../rpc/service.js';
import { Exit, parseInput, UsageError, urlWithParams, type Args } from './args.js';
import type { Output } from './output.js';
import { checkCall, UntypedClient } from './untyped-client.js';

/** `zwire call` and `zwire watch`: one method, its input checked against `$describe` when the server offers it. */
export async function callCommand(args: Args, out: Output, kind: 'unary' | 'stream'): Promise<number> {
  const [rawUrl, method, json, ...extra] = args.positional;
  if (rawUrl === undefined || method === undefined || extra.length > 0) {
    throw new UsageError(`usage: zwire ${kind === 'unary' ? 'call <url> <method>' : 'watch <url> <streamMethod>'} [json]`);
  }
  const input = parseInput(json);
  const url = urlWithParams(rawUrl, args.params);
  const client = new UntypedClient(url, args, { $describe: 'unary', [method]: kind satisfies MethodKind });
  try {
    if (args.check) {
      const description = await client.describe();
      if (description !== null) checkCall(description, method, [kind], input);
    }
    if (kind === 'unary') {
      out.value(await client.invoke(method, input));
      return Exit.OK;
    }
    const stop = new AbortController();
    const interrupted = (): void => stop.abort();
    process.once('SIGINT', interrupted);
    try {
      for await (const item of client.invoke(method, input, { signal: stop.signal, timeoutMs: 0 }) as AsyncIterable<unknown>) out.value(item);
    } catch (err) {
      if (stop.signal.aborted) return Exit.INTERRUPTED;
      throw err;
    } finally {
      process.off('SIGINT', interrupted);
    }
    return Exit.OK;
  } finally {
    await client.close();
  }
}

/** `zwire describe`: the server's methods and topics with their JSON Schemas. */
export async function describeCommand(args: Args, out: Output): Promise<number> {
  const [rawUrl, ...extra] = args.positional;
  if (rawUrl === undefined || extra.length > 0) throw new UsageError('usage: zwire describe <url>');
  const client = new UntypedClient(urlWithParams(rawUrl, args.params), args, { $describe: 'unary' });
  try {
    const description = await client.describe();
    if (description === null) {
      out.error('NOT_FOUND', 'the server does not offer introspection (createServer option introspection: true)');
      return Exit.RPC_ERROR;
    }
    if (args.json) {
      out.value(description);
      return Exit.OK;
    }
    for (const [name, m] of Object.entries(description.methods)) {
      process.stdout.write(`${name}  (${m.kind}${m.resumable === true ? ', resumable' : ''})\n`);
      if (m.input !== null) process.stdout.write(`  input:  ${JSON.stringify(m.input)}\n`);
      if (m.output !== null) process.stdout.write(`  ${m.kind === 'stream' ? 'items' : 'output'}: ${JSON.stringify(m.output)}\n`);
    }
    for (const [name, t] of Object.entries(description.topics ?? {})) {
      const traits = ['topic', ...(t.history === true ? ['history'] : []), ...(t.presence !== null ? ['presence'] : []), ...(t.publish === true ? ['client publish'] : [])];
      process.stdout.write(`${name}  (${traits.join(', ')})\n  key:      ${JSON.stringify(t.key)}\n  message:  ${JSON.stringify(t.message)}\n`);
      if (t.presence !== null) process.stdout.write(`  presence: ${JSON.stringify(t.presence)}\n`);
    }
    return Exit.OK;
  } finally {
    await client.close();
  }
}

/** The exit code for an error out of a command, printed on the way. */
export function report(err: unknown, out: Output): number {
  if (err instanceof UsageError) {
    out.error('USAGE', err.message);
    return Exit.USAGE;
  }
  if (err instanceof RpcError) {
    out.error(err.code, err.message, err.data);
    if (err.code === 'UNAVAILABLE' || err.code === 'UNAUTHORIZED' || err.code === 'FORBIDDEN') return err.code === 'UNAVAILABLE' ? Exit.UNAVAILABLE : Exit.RPC_ERROR;
    if (err.code === 'TIMEOUT') return Exit.TIMEOUT;
    if (err.code === 'CANCELLED') return Exit.INTERRUPTED;
    return Exit.RPC_ERROR;
  }
  const code = (err as { code?: unknown }).code;
  out.error(typeof code === 'string' ? code : 'ERROR', err instanceof Error ? err.message : String(err));
  return Exit.UNAVAILABLE;
}

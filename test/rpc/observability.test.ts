/**
 * The RPC server's node:diagnostics_channel channels and OpenTelemetry spans
 * (with the W3C trace context a client sends in a call's meta), over real
 * sockets on 127.0.0.1, with an in-memory span exporter.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import { context, ROOT_CONTEXT, trace, type Context, type ContextManager } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, traceClient, type RpcClient } from '../../src/client/index.js';
import type { ConnectionInfo } from '../../src/server/connection-info.js';
import { createServer } from '../../src/server/rpc-server.js';
import { jsonEnvelope } from '../../src/rpc/codec-json.js';
import { msgpackEnvelope } from '../../src/rpc/codec-msgpack.js';
import { diagnosticsObserver } from '../../src/server/rpc-diagnostics.js';
import { parseMeta } from '../../src/rpc/observe.js';
import { RpcError } from '../../src/rpc/errors.js';
import { loadTracing, tracingObserver } from '../../src/rpc/tracing.js';
import type { CallContext } from '../../src/rpc/handlers.js';
import { Probe, rejection, testHandlers, testService, until } from './fixture.js';

type Ctx = { user: string };
type Methods = (typeof testService)['methods'];
const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const NAMES = [
  'zwire:conn:open',
  'zwire:conn:close',
  'zwire:handshake:refused',
  'zwire:rpc:call:start',
  'zwire:rpc:call:end',
  'zwire:rpc:stream:open',
  'zwire:rpc:stream:end',
] as const;

/** Subscribes to every RPC channel until the test ends; returns what each received. */
function record(): Map<string, Record<string, unknown>[]> {
  const got = new Map<string, Record<string, unknown>[]>(NAMES.map((n) => [n, []]));
  for (const name of NAMES) {
    const listener = (m: unknown): void => void got.get(name)?.push(m as Record<string, unknown>);
    diagnostics.subscribe(name, listener);
    cleanup.push(() => void diagnostics.unsubscribe(name, listener));
  }
  return got;
}

/** Handlers of the test service; whoami also reports the trace context it runs in. */
function handlers(probe: Probe, seen: { meta?: CallContext['meta']; active?: string }) {
  const base = testHandlers(probe);
  return {
    ...base,
    whoami: (input: undefined, ctx: CallContext<Ctx>) => {
      seen.meta = ctx.meta;
      const inner = trace.getTracer('test').startSpan('inside the handler');
      inner.end();
      seen.active = trace.getSpan(context.active())?.spanContext().spanId;
      return base.whoami(input, ctx);
    },
  };
}

async function serve(seen: { meta?: CallContext['meta']; active?: string } = {}): Promise<{ url: string }> {
  const server = createServer(testService, handlers(new Probe(), seen), {
    context: (info: ConnectionInfo) => {
      if (info.params.token !== 'ok') throw new RpcError('UNAUTHORIZED', 'no');
      return { user: 'ada' };
    },
  });
  const { port } = await server.listen({ port: 0 });
  cleanup.push(() => server.close());
  return { url: `ws://127.0.0.1:${port}/` };
}

function client(url: string, token = 'ok'): RpcClient<Methods> {
  const c = createClient(testService, url, { heartbeatMs: 0, params: { token }, reconnect: false });
  cleanup.push(() => c.close());
  return c;
}

describe('meta on the wire', () => {
  it('follows the payload (undefined when there is none) in both codecs, and the server reads only objects of strings', () => {
    const meta = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    expect(jsonEnvelope.call(7, 'whoami', undefined, meta)).toBe(`[1,7,"whoami",{"$zw":["undefined"]},${JSON.stringify(meta)}]`);
    expect(jsonEnvelope.call(7, 'whoami', undefined)).toBe('[1,7,"whoami"]');
    expect(msgpackEnvelope.decode(msgpackEnvelope.stream(3, 'count', 8, undefined, { to: 1 }, meta))).toEqual([3, 3, 'count', 8, null, { to: 1 }, meta]);
    expect(msgpackEnvelope.decode(msgpackEnvelope.clientStream(4, 'sum', meta))).toEqual([4, 4, 'sum', meta]);
    expect(parseMeta(meta)).toEqual(meta);
    expect(parseMeta({ traceparent: 1 })).toBeUndefined();
    expect(parseMeta(['x'])).toBeUndefined();
    expect(parseMeta({ big: 'x'.repeat(1025) })).toBeUndefined();
  });
});

describe('diagnostics_channel', () => {
  it('reports connections, refusals, calls and streams with their outcome codes', async () => {
    const got = record();
    const { url } = await serve();
    const c = client(url);
    expect(await c.greet({ name: 'a' })).toEqual({ message: 'hello a' });
    expect((await rejection(c.fail({ kind: 'rpc' }))).code).toBe('NOT_FOUND');
    expect((await rejection(c.fail({ kind: 'crash' }))).code).toBe('INTERNAL');
    const items: number[] = [];
    for await (const { n } of c.count({ to: 3 })) items.push(n);
    for await (const { n } of c.ticks({})) if (n === 2) break;
    expect(await c.sum([{ n: 1 }, { n: 2 }])).toEqual({ total: 3, count: 2 });
    await c.log({ line: 'x' });
    expect((await rejection(client(url, 'bad').greet({ name: 'b' }))).code).toBe('UNAUTHORIZED');
    await c.close();
    await until(() => got.get('zwire:conn:close')?.length === 2 && got.get('zwire:rpc:stream:end')?.length === 3 && got.get('zwire:rpc:call:end')?.length === 4);

    const ends = (name: string): string[] => (got.get(name) ?? []).map((m) => `${String(m.method)}:${String(m.code)}`);
    expect(ends('zwire:rpc:call:end').sort()).toEqual(['fail:INTERNAL', 'fail:NOT_FOUND', 'greet:OK', 'log:OK']);
    expect(ends('zwire:rpc:stream:end').sort()).toEqual(['count:OK', 'sum:OK', 'ticks:CANCELLED']);
    expect((got.get('zwire:rpc:call:start') ?? []).map((m) => m.method)).toEqual(['greet', 'fail', 'fail', 'log']);
    expect((got.get('zwire:rpc:stream:open') ?? []).map((m) => m.kind)).toEqual(['stream', 'stream', 'clientStream']);
    for (const m of got.get('zwire:rpc:call:end') ?? []) expect(m.durationMs).toBeGreaterThanOrEqual(0);
    expect((got.get('zwire:rpc:call:start')?.[0]?.ctx as CallContext<Ctx>).conn).toEqual({ user: 'ada' });
    expect(got.get('zwire:handshake:refused')).toEqual([{ code: 'UNAUTHORIZED', message: 'no', remoteAddress: '127.0.0.1', inBand: true }]);
    expect((got.get('zwire:conn:open') ?? []).map((m) => m.inBand)).toEqual([true, true]);
    expect((got.get('zwire:conn:close') ?? []).map((m) => m.code).sort()).toEqual([1000, 4401]);
  });

  it('reports the calls refused before their handler (unknown method, bad input, over a limit), with a span each', async () => {
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    cleanup.push(() => void trace.disable());
    const got = record();
    const server = createServer(testService, handlers(new Probe(), {}), { context: () => ({ user: 'ada' }), limits: { maxInFlight: 1 } });
    const { port } = await server.listen({ port: 0 });
    cleanup.push(() => server.close());
    const url = `ws://127.0.0.1:${port}/`;
    const c = client(url);
    const loose = createClient<typeof testService>(url, { heartbeatMs: 0, reconnect: false, notify: ['log', 'shout' as 'log'] });
    cleanup.push(() => loose.close());
    const errors: unknown[] = [];
    loose.on('error', (e) => errors.push(e));
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect((await rejection((loose as unknown as Record<string, (i: unknown, o?: object) => Promise<unknown>>).nope({}, { meta: { traceparent } }))).code).toBe('NOT_FOUND');
    expect((await rejection(c.greet({ name: 1 } as unknown as { name: string }))).code).toBe('BAD_REQUEST');
    const first = c.slow({ ms: 100 });
    expect((await rejection(c.slow({ ms: 1 }))).code).toBe('TOO_MANY_REQUESTS');
    await first;
    await (loose as unknown as Record<string, (i: unknown) => Promise<void>>).shout({ line: 'x' });
    await until(() => errors.length === 1 && (got.get('zwire:rpc:call:end')?.length ?? 0) === 5);

    const ends = (got.get('zwire:rpc:call:end') ?? []).map((m) => `${String(m.method)}:${String(m.kind)}:${String(m.code)}`);
    expect(ends).toEqual(['nope:unary:NOT_FOUND', 'greet:unary:BAD_REQUEST', 'slow:unary:TOO_MANY_REQUESTS', 'slow:unary:OK', 'shout:notify:BAD_REQUEST']);
    expect((got.get('zwire:rpc:call:start') ?? []).map((m) => m.method)).toEqual(['nope', 'greet', 'slow', 'slow', 'shout']);
    const spans = exporter.getFinishedSpans().map((sp) => `${sp.name}:${String(sp.attributes['rpc.zwire.code'])}:${sp.status.code}`);
    expect(spans).toEqual(['nope:NOT_FOUND:2', 'greet:BAD_REQUEST:2', 'slow:TOO_MANY_REQUESTS:2', 'slow:OK:0', 'shout:BAD_REQUEST:2']);
    expect(exporter.getFinishedSpans()[0].spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('builds nothing for a call when nobody subscribes', () => {
    const ctx = { method: 'greet', kind: 'unary', id: 1 } as CallContext<unknown>;
    expect(diagnosticsObserver.start(ctx)).toBeNull();
    const listener = (): void => undefined;
    diagnostics.subscribe('zwire:rpc:call:end', listener);
    try {
      expect(diagnosticsObserver.start(ctx)).not.toBeNull();
      expect(diagnosticsObserver.start({ ...ctx, kind: 'stream' } as CallContext<unknown>)).toBeNull();
    } finally {
      diagnostics.unsubscribe('zwire:rpc:call:end', listener);
    }
    expect(diagnosticsObserver.start(ctx)).toBeNull();
  });
});

/** A context manager on AsyncLocalStorage (what @opentelemetry/context-async-hooks provides), for the handler's active span. */
class StorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

describe('OpenTelemetry', () => {
  it('makes a server span per call, child of the traceparent in the call meta; the handler runs inside it', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(new StorageContextManager());
    cleanup.push(() => {
      trace.disable();
      context.disable();
    });
    const seen: { meta?: CallContext['meta']; active?: string } = {};
    const { url } = await serve(seen);
    const c = client(url);
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const parentId = 'b7ad6b7169203331';
    const traceparent = `00-${traceId}-${parentId}-01`;
    expect(await c.whoami(undefined, { meta: { traceparent } })).toEqual({ user: 'ada' });
    expect(seen.meta).toEqual({ traceparent });
    expect((await rejection(c.fail({ kind: 'rpc' }))).code).toBe('NOT_FOUND');
    for await (const _ of c.count({ to: 2 }, { meta: { traceparent } })) void _;

    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'whoami');
    expect(server?.spanContext().traceId).toBe(traceId);
    expect(server?.parentSpanContext?.spanId).toBe(parentId);
    expect(server?.kind).toBe(1); // SpanKind.SERVER
    expect(server?.attributes).toMatchObject({ 'rpc.system': 'zwire', 'rpc.method': 'whoami', 'rpc.zwire.code': 'OK' });
    const inner = spans.find((s) => s.name === 'inside the handler');
    expect(inner?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(seen.active).toBe(server?.spanContext().spanId);
    const failed = spans.find((s) => s.name === 'fail');
    expect(failed?.status).toEqual({ code: 2, message: 'NOT_FOUND' }); // SpanStatusCode.ERROR
    expect(failed?.parentSpanContext).toBeUndefined();
    const stream = spans.find((s) => s.name === 'count');
    expect(stream?.spanContext().traceId).toBe(traceId);
    expect(stream?.attributes['rpc.zwire.code']).toBe('OK');
  });

  it('traceClient makes a CLIENT span per call under the active context; the server span is its child', async () => {
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    context.setGlobalContextManager(new StorageContextManager());
    cleanup.push(() => {
      trace.disable();
      context.disable();
    });
    const { url } = await serve();
    const traced = await traceClient(client(url));
    const typesOnly = await traceClient(createClient<typeof testService>(url, { heartbeatMs: 0, params: { token: 'ok' }, reconnect: false, notify: ['log'] }));
    cleanup.push(() => typesOnly.close());
    await trace.getTracer('test').startActiveSpan('parent', async (parent) => {
      expect(await traced.whoami()).toEqual({ user: 'ada' });
      expect((await rejection(traced.fail({ kind: 'rpc' }))).code).toBe('NOT_FOUND');
      for await (const { n } of traced.ticks({})) if (n === 1) break;
      expect(await typesOnly.greet({ name: 'lazy' })).toEqual({ message: 'hello lazy' });
      const seqs: number[] = [];
      for await (const { n } of typesOnly.count({ to: 2 })) seqs.push(n);
      expect(seqs).toEqual([1, 2]);
      parent.end();
    });
    await until(() => exporter.getFinishedSpans().filter((s) => s.kind === 1).length === 5);
    const spans = exporter.getFinishedSpans();
    const parentId = spans.find((s) => s.name === 'parent')?.spanContext().spanId;
    const clientSpans = spans.filter((s) => s.kind === 2); // SpanKind.CLIENT
    expect(clientSpans.map((s) => `${s.name}:${String(s.attributes['rpc.zwire.code'])}`)).toEqual(['whoami:OK', 'fail:NOT_FOUND', 'ticks:CANCELLED', 'greet:OK', 'count:OK']);
    for (const c of clientSpans) {
      expect(c.parentSpanContext?.spanId).toBe(parentId);
      const server = spans.find((s) => s.kind === 1 && s.parentSpanContext?.spanId === c.spanContext().spanId);
      expect(server?.name).toBe(c.name);
      expect(server?.spanContext().traceId).toBe(c.spanContext().traceId);
    }
  });

  it('traceClient sends no meta while no tracer provider is registered', async () => {
    const seen: { meta?: CallContext['meta']; active?: string } = {};
    const { url } = await serve(seen);
    const traced = await traceClient(client(url));
    expect(await traced.whoami()).toEqual({ user: 'ada' });
    expect(seen.meta).toBeUndefined();
    expect(await traced.whoami(undefined, { meta: { tenant: 't1' } })).toEqual({ user: 'ada' });
    expect(seen.meta).toEqual({ tenant: 't1' });
  });

  it('makes no span while no tracer provider is registered', async () => {
    await loadTracing();
    const ctx = { method: 'greet', kind: 'unary', id: 1, meta: undefined } as CallContext<unknown>;
    expect(tracingObserver.start(ctx)).toBeNull();
    trace.setGlobalTracerProvider(new BasicTracerProvider());
    try {
      expect(tracingObserver.start(ctx)).not.toBeNull();
    } finally {
      trace.disable();
    }
    expect(tracingObserver.start(ctx)).toBeNull();
  });
});

/**
 * OpenTelemetry server spans, when the application has `@opentelemetry/api`
 * (an optional peer dependency, loaded lazily) and has registered a tracer
 * provider. The parent is the W3C `traceparent` the client sent in the call's
 * meta; the handler runs inside the span's context.
 */
import type * as Otel from '@opentelemetry/api';
import type { CallObserver, CallWatch } from './observe.js';

let api: typeof Otel | null = null;
/** `api.trace`, read once: a property of a module namespace costs more than one of a plain object, and this one is read per call. */
let traceApi: Otel.TraceAPI | null = null;
let loading: Promise<void> | null = null;
let noop: Otel.TracerProvider | null = null;

/** The OpenTelemetry API once loadTracing found it, else null. */
export function otelApi(): typeof Otel | null {
  return api;
}

/** Loads @opentelemetry/api once if it is installed; resolves either way. */
export function loadTracing(): Promise<void> {
  loading ??= import('@opentelemetry/api').then(
    (m) => {
      api = m;
      traceApi = m.trace;
      noop = new m.ProxyTracerProvider().getDelegate();
    },
    () => undefined,
  );
  return loading;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The remote parent a W3C traceparent names, as an OpenTelemetry context; the root context when absent or malformed. */
function parentOf(o: typeof Otel, traceparent: string | undefined, tracestate: string | undefined): Otel.Context {
  const m = traceparent === undefined ? null : TRACEPARENT.exec(traceparent);
  if (m === null || m[1] === 'ff') return o.ROOT_CONTEXT;
  const ctx: Otel.SpanContext = { traceId: m[2], spanId: m[3], traceFlags: parseInt(m[4], 16), isRemote: true };
  if (!o.isSpanContextValid(ctx)) return o.ROOT_CONTEXT;
  if (tracestate !== undefined) ctx.traceState = o.createTraceState(tracestate);
  return o.trace.setSpanContext(o.ROOT_CONTEXT, ctx);
}

type MaybeProxy = Otel.TracerProvider & { getDelegate?: () => Otel.TracerProvider };

/** The provider that answered last and zwire's tracer from it: a provider is asked for a tracer once, not per call. */
let lastProvider: Otel.TracerProvider | null = null;
let lastTracer: Otel.Tracer | null = null;

/** zwire's tracer from the registered provider, or null when none is registered (spans would be no-ops). */
function tracerOf(trace: Otel.TraceAPI): Otel.Tracer | null {
  const global = trace.getTracerProvider() as MaybeProxy;
  const provider = global.getDelegate === undefined ? global : global.getDelegate();
  if (provider === noop) return null;
  if (provider !== lastProvider) {
    lastProvider = provider;
    lastTracer = provider.getTracer('zwire');
  }
  return lastTracer;
}

/** A server span per handler call: `rpc.system` zwire, `rpc.method`, and the outcome code as `rpc.zwire.code`. */
export const tracingObserver: CallObserver = {
  start(ctx): CallWatch | null {
    const o = api;
    const tracer = traceApi === null ? null : tracerOf(traceApi);
    if (o === null || tracer === null) return null;
    const parent = parentOf(o, ctx.meta?.traceparent, ctx.meta?.tracestate);
    const span = tracer.startSpan(
      ctx.method,
      { kind: o.SpanKind.SERVER, attributes: { 'rpc.system': 'zwire', 'rpc.method': ctx.method, 'rpc.zwire.kind': ctx.kind } },
      parent,
    );
    const inSpan = o.trace.setSpan(parent, span);
    return {
      run: (fn) => o.context.with(inSpan, fn),
      end(code) {
        span.setAttribute('rpc.zwire.code', code);
        if (code !== 'OK') span.setStatus({ code: o.SpanStatusCode.ERROR, message: code });
        span.end();
      },
    };
  },
};

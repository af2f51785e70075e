/**
 * OpenTelemetry client spans, opt-in: `await traceClient(client)` (zwire/client,
 * not in the browser entry). Each call gets a CLIENT span under the caller's
 * active context, and its traceparent travels in the call's meta, so the
 * server's span is its child.
 */
import type * as Otel from '@opentelemetry/api';
import { RESERVED_NAMES, type CallMeta } from '../rpc/protocol.js';
import { loadTracing, otelApi, outcomeOf, reportOutcome } from '../rpc/telemetry.js';
import type { CallOptions } from './rpc-types.js';

type End = (code: string) => void;

/** A call's result (a LazyCall or an RpcStream), passed through with its outcome reported once. */
class Traced implements PromiseLike<unknown>, AsyncIterableIterator<unknown> {
  constructor(
    private readonly inner: PromiseLike<unknown> & AsyncIterator<unknown> & { cancel?(): void; readonly lastEventId?: string },
    private readonly end: End,
  ) {}

  then<A = unknown, B = never>(ok?: ((v: unknown) => A | PromiseLike<A>) | null, fail?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return reportOutcome(this.inner, this.end).then(ok, fail);
  }

  catch<B = never>(fail?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<unknown> {
    return this.then(undefined, fail);
  }

  finally(f?: (() => void) | null): Promise<unknown> {
    return this.then().finally(f);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    return this;
  }

  async next(): Promise<IteratorResult<unknown>> {
    try {
      const r = await this.inner.next();
      if (r.done === true) this.end('OK');
      return r;
    } catch (err) {
      this.end(outcomeOf(err));
      throw err;
    }
  }

  return(): Promise<IteratorResult<unknown>> {
    this.end('CANCELLED');
    return this.inner.return?.() ?? Promise.resolve({ value: undefined, done: true });
  }

  cancel(): void {
    this.end('CANCELLED');
    this.inner.cancel?.();
  }

  get lastEventId(): string | undefined {
    return this.inner.lastEventId;
  }
}

function traceparentOf(ctx: Otel.SpanContext): CallMeta {
  const traceparent = `00-${ctx.traceId}-${ctx.spanId}-${(ctx.traceFlags & 1) === 1 ? '01' : '00'}`;
  const tracestate = ctx.traceState?.serialize();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/**
 * Wraps a client (validating or types-only) so that each call makes an
 * OpenTelemetry CLIENT span (`rpc.system` zwire, `rpc.method`,
 * `rpc.zwire.code`) and sends its trace context in `meta`. Rejects when
 * `@opentelemetry/api` is not installed. Notifications carry no meta.
 */
export async function traceClient<T extends object>(client: T): Promise<T> {
  await loadTracing();
  const o = otelApi();
  if (o === null) throw new Error('traceClient needs @opentelemetry/api (npm install @opentelemetry/api)');
  const methods = new Map<string, unknown>();
  return new Proxy(client, {
    get(target, name, receiver) {
      const method: unknown = Reflect.get(target, name, receiver);
      if (typeof name !== 'string' || RESERVED_NAMES.has(name) || typeof method !== 'function') return method;
      let traced = methods.get(name);
      if (traced === undefined) {
        traced = (input: unknown, options?: CallOptions): unknown => {
          const span = o.trace.getTracer('zwire').startSpan(name, { kind: o.SpanKind.CLIENT, attributes: { 'rpc.system': 'zwire', 'rpc.method': name } });
          let ended = false;
          const end: End = (code) => {
            if (ended) return;
            ended = true;
            span.setAttribute('rpc.zwire.code', code);
            if (code !== 'OK') span.setStatus({ code: o.SpanStatusCode.ERROR, message: code });
            span.end();
          };
          let result: unknown;
          try {
            const sc = span.spanContext();
            const withContext = o.isSpanContextValid(sc) ? { ...options, meta: { ...options?.meta, ...traceparentOf(sc) } } : options;
            result = (method as (i: unknown, o?: CallOptions) => unknown).call(target, input, withContext);
          } catch (err) {
            end(outcomeOf(err));
            throw err;
          }
          if (result instanceof Promise) {
            result.then(
              () => end('OK'),
              (err: unknown) => end(outcomeOf(err)),
            );
            return result;
          }
          return new Traced(result as ConstructorParameters<typeof Traced>[0], end);
        };
        methods.set(name, traced);
      }
      return traced;
    },
  });
}

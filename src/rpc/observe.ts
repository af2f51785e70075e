/**
 * Watching the calls a server runs, for diagnostics and tracing, without a
 * Node built-in: the server assembly injects the observers (diagnostics.ts,
 * tracing.ts). An observer that nobody needs answers `null` from `start`,
 * and the call then runs its handler as if unobserved.
 */
import type { CallMeta } from './codec.js';
import { RpcError } from './errors.js';
import type { CallContext } from './handlers.js';
import type { MethodKind } from './service.js';

/** Most meta entries read from an envelope, and the longest value kept. */
const MAX_META_KEYS = 16;
const MAX_META_VALUE = 1024;

/** Reads the meta element of a call envelope: an object of strings, else undefined (ignored, not an error). */
export function parseMeta(v: unknown): CallMeta | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const out: Record<string, string> = Object.create(null);
  let n = 0;
  for (const [k, value] of Object.entries(v)) {
    if (typeof value !== 'string' || value.length > MAX_META_VALUE || ++n > MAX_META_KEYS) return undefined;
    out[k] = value;
  }
  return out;
}

/** One observed call: how it ends. */
export interface CallWatch {
  /** Runs the handler (a tracer runs it inside its span's context). */
  run<T>(fn: () => T): T;
  /** The handler finished: `code` is 'OK' or the error code it ended with. */
  end(code: string): void;
}

/** Watches the calls of a server. */
export interface CallObserver {
  /**
   * A handler is about to run, or the call was refused before it (`end`
   * follows at once, see observeRefusal); null when nobody is watching
   * (checked per call, so watchers may come and go).
   */
  start(ctx: CallContext<unknown>): CallWatch | null;
}

/**
 * A call answered without running its handler (refused at admission: unknown
 * method, bad input, a limit, a draining server): each observer sees it start
 * and end at once with the refusal's code, so counts by outcome and spans
 * include it.
 */
export function observeRefusal(observers: readonly CallObserver[], ctx: CallContext<unknown>, code: string): void {
  for (let i = 0; i < observers.length; i++) observers[i].start(ctx)?.end(code);
}

/** The outcome code of what a handler threw. */
export function outcomeOf(err: unknown): string {
  return err instanceof RpcError ? err.code : 'INTERNAL';
}

function startAll(observers: readonly CallObserver[], ctx: CallContext<unknown>): CallWatch | null {
  let one: CallWatch | null = null;
  let many: CallWatch[] | null = null;
  for (let i = 0; i < observers.length; i++) {
    const w = observers[i].start(ctx);
    if (w === null) continue;
    if (one === null) one = w;
    else (many ??= [one]).push(w);
  }
  if (many === null) return one;
  const all = many;
  return {
    run: <T>(fn: () => T): T => all.reduceRight<() => T>((inner, w) => () => w.run(inner), fn)(),
    end: (code) => {
      for (const w of all) w.end(code);
    },
  };
}

type AnyHandler = (input: unknown, ctx: CallContext<unknown>) => unknown;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** `p`'s outcome reported to `end` ('OK' or the error's code); the returned promise settles as `p` does. */
export function reportOutcome<T>(p: PromiseLike<T>, end: (code: string) => void): Promise<T> {
  return Promise.resolve(p).then(
    (v) => {
      end('OK');
      return v;
    },
    (err: unknown) => {
      end(outcomeOf(err));
      throw err;
    },
  );
}

/** Calls the handler under the watch; a synchronous throw ends the watch with its code. */
function runWatched(w: CallWatch, handler: AnyHandler, input: unknown, ctx: CallContext<unknown>): unknown {
  try {
    return w.run(() => handler(input, ctx));
  } catch (err) {
    w.end(outcomeOf(err));
    throw err;
  }
}

/** A handler that returns a value or a promise (unary, notification, client stream), observed. */
function watchValue(observers: readonly CallObserver[], handler: AnyHandler): AnyHandler {
  return (input, ctx) => {
    const w = startAll(observers, ctx);
    if (w === null) return handler(input, ctx);
    const out = runWatched(w, handler, input, ctx);
    if (isThenable(out)) return reportOutcome(out, (code) => w.end(code));
    w.end('OK');
    return out;
  };
}

/** A server stream's items, observed until the stream ends, fails or is cancelled. */
async function* watchedItems(w: CallWatch, source: AsyncIterable<unknown> | Iterable<unknown>, ctx: CallContext<unknown>): AsyncGenerator<unknown> {
  let code = 'CANCELLED';
  try {
    yield* source as AsyncIterable<unknown>;
    code = 'OK';
  } catch (err) {
    code = outcomeOf(err);
    throw err;
  } finally {
    if (code === 'CANCELLED' && ctx.signal.aborted) code = outcomeOf(ctx.signal.reason);
    w.end(code);
  }
}

/** A server-stream handler, observed from its call to the end of its items. */
function watchStream(observers: readonly CallObserver[], handler: AnyHandler): AnyHandler {
  return (input, ctx) => {
    const w = startAll(observers, ctx);
    if (w === null) return handler(input, ctx);
    return watchedItems(w, runWatched(w, handler, input, ctx) as AsyncIterable<unknown>, ctx);
  };
}

/** Wraps a route's handler so that `observers` see each call; the handler itself when there are none. */
export function observeHandler<H extends (...args: never[]) => unknown>(observers: readonly CallObserver[], kind: MethodKind, handler: H): H {
  if (observers.length === 0) return handler;
  const h = handler as unknown as AnyHandler;
  return (kind === 'stream' ? watchStream(observers, h) : watchValue(observers, h)) as unknown as H;
}

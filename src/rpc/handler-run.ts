import { RpcError, toRpcError, type ErrorExposure } from './errors.js';
import type { CallContext, Middleware } from './handlers.js';

/**
 * Runs a handler (`final`) inside the middleware chain, outermost first.
 * Without middleware `final` is called directly, so a synchronous result
 * stays synchronous; with it, a middleware or handler that throws
 * synchronously becomes a rejection.
 */
export function runWithMiddleware<C>(middleware: readonly Middleware<C>[], ctx: CallContext<C>, final: () => unknown): unknown {
  if (middleware.length === 0) return final();
  const run = async (i: number): Promise<unknown> => (i === middleware.length ? final() : middleware[i](ctx, () => run(i + 1)));
  return run(0);
}

/** How a server reports unexpected handler errors. */
export interface ErrorReporting<C> extends ErrorExposure {
  /** Called with unexpected handler errors (those that reach the client as INTERNAL). */
  readonly onError?: (err: unknown, ctx: CallContext<C>) => void;
}

/**
 * The RpcError a client gets for what a handler threw; anything that is not
 * an RpcError is also handed to `onError` (whose own failure is swallowed:
 * an observer must not stop the connection).
 */
export function handlerError<C>(err: unknown, ctx: CallContext<C>, reporting: ErrorReporting<C>): RpcError {
  if (err instanceof RpcError) return err;
  try {
    reporting.onError?.(err, ctx);
  } catch {
    // the observer's own failure has nowhere better to go
  }
  return toRpcError(err, reporting);
}

import type { EnvelopeCodec, WireData } from './codec.js';
import { RpcError } from './errors.js';
import type { ServerStreamCall } from './server-calls.js';
import { EventItem, validate, type Schema } from './service.js';

export type AnyIterable = AsyncIterable<unknown> | Iterable<unknown>;

/** What the pump needs from its session. */
export interface PumpIO {
  readonly codec: EnvelopeCodec;
  readonly maxMessageSize: number;
  send(data: WireData): void;
  /** Null while the connection's outbound budget has room, else a promise that settles when it has. */
  writable(): Promise<void> | null;
}

/** Items a stream may send without waiting on I/O before it yields to the event loop. */
const YIELD_EVERY = 256;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function iteratorOf(src: AnyIterable): AsyncIterator<unknown> | Iterator<unknown> {
  const asyncIt = (src as AsyncIterable<unknown>)[Symbol.asyncIterator];
  if (typeof asyncIt === 'function') return asyncIt.call(src);
  const it = (src as Iterable<unknown>)[Symbol.iterator];
  if (typeof it === 'function') return it.call(src);
  throw new TypeError('stream handler must return an async iterable or an iterable');
}

/**
 * Moves items from a stream handler to the transport: one item per unit of
 * the client's credit, each validated, waiting while the connection is over
 * its outbound budget. Resolves when the source ends, or when the call stops
 * and the source, closed with `return()`, has finished; rejects with what failed.
 * `plain`: the schema proved its items need no codec walk (plain-schema.ts).
 */
export async function pumpStream(call: ServerStreamCall<unknown>, source: AnyIterable, schema: Schema | null, io: PumpIO, plain = false): Promise<void> {
  const { codec, maxMessageSize: max } = io;
  const it = iteratorOf(source);
  let finished = false;
  let burst = 0;
  try {
    for (;;) {
      if (call.credit <= 0) {
        burst = 0;
        await call.waitCredit();
      } else if (++burst >= YIELD_EVERY) {
        // a synchronous producer with plenty of credit must still let other connections' I/O run
        burst = 0;
        await yieldToEventLoop();
      }
      if (call.done) return;
      let r = it.next();
      if (isThenable(r)) r = await r;
      if (r.done === true) {
        finished = true;
        return;
      }
      if (call.done) return;
      const v = r.value;
      const msg =
        v instanceof EventItem
          ? codec.event(call.id, v.id, validate(schema, v.item, 'INVALID_OUTPUT', 'stream item'))
          : codec.item(call.id, validate(schema, v, 'INVALID_OUTPUT', 'stream item'), plain);
      if (codec.exceeds(msg, max)) throw new RpcError('PAYLOAD_TOO_LARGE', `stream item exceeds ${max} bytes`);
      call.credit--;
      io.send(msg);
      const budget = io.writable();
      if (budget !== null) await budget;
    }
  } finally {
    if (!finished && typeof it.return === 'function') {
      try {
        // Awaited: the stream's slot stays taken until the handler has really finished.
        const r = it.return();
        if (isThenable(r)) await r;
      } catch {
        // a generator that throws from its finally block has nothing more to say to a closed call
      }
    }
  }
}

import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createClient, type RpcClient } from '../../src/client/index.js';
import type { RpcStream } from '../../src/client/rpc-stream.js';
import type { WebSocketConstructor } from '../../src/client/transport-websocket.js';
import WsWebSocket from 'ws';
import { createServer } from '../../src/server/rpc-server.js';
import type { ConnectionInfo } from '../../src/server/connection-info.js';
import type { CallContext } from '../../src/rpc/handlers.js';
import { defineService, withEventId } from '../../src/rpc/service.js';

// These checks run in `tsc --noEmit` (npm run typecheck): every @ts-expect-error
// below must be a real compile error, or tsc fails with "unused @ts-expect-error".
const svc = defineService({
  greet: { input: z.object({ name: z.string() }), output: z.object({ message: z.string() }) },
  parse: { input: z.object({ when: z.string() }), output: z.object({ at: z.string().transform((s) => new Date(s)) }) },
  count: { input: z.object({ to: z.number().int() }), stream: z.object({ n: z.number() }) },
  upload: { clientStream: z.object({ chunk: z.instanceof(Uint8Array) }), output: z.object({ bytes: z.number() }) },
  log: { input: z.object({ line: z.string() }), notify: true },
  now: { output: z.number() },
});

type Client = RpcClient<(typeof svc)['methods']>;

describe('type inference (checked by tsc)', () => {
  it('infers inputs, outputs and stream items for the client', () => {
    expectTypeOf<Client['greet']>().parameter(0).toEqualTypeOf<{ name: string }>();
    expectTypeOf<Client['greet']>().returns.toEqualTypeOf<Promise<{ message: string }>>();
    expectTypeOf<Client['parse']>().returns.resolves.toEqualTypeOf<{ at: Date }>();
    expectTypeOf<Client['count']>().returns.toEqualTypeOf<RpcStream<{ n: number }>>();
    expectTypeOf<Client['upload']>().returns.toEqualTypeOf<Promise<{ bytes: number }>>();
    expectTypeOf<Client['log']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<Client['now']>().returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf<Client['state']>().toEqualTypeOf<'connecting' | 'open' | 'reconnecting' | 'closed'>();
  });

  it('accepts the browser WebSocket and ws\'s WebSocket class without casts', () => {
    const domFits: typeof globalThis.WebSocket extends WebSocketConstructor ? true : false = true;
    const wsFits: typeof WsWebSocket extends WebSocketConstructor ? true : false = true;
    expectTypeOf(domFits).toEqualTypeOf<true>();
    expectTypeOf(wsFits).toEqualTypeOf<true>();
  });

  it('rejects wrong calls at compile time', async () => {
    const typed = createClient(svc, 'ws://127.0.0.1:1', { reconnect: false });
    const never = async (): Promise<void> => {
      // @ts-expect-error wrong input field type
      await typed.greet({ name: 42 });
      // @ts-expect-error missing input
      await typed.greet();
      // @ts-expect-error unknown method
      await typed.missing({});
      // @ts-expect-error result field that does not exist
      (await typed.greet({ name: 'a' })).nope;
      for await (const item of typed.count({ to: 3 })) {
        // @ts-expect-error stream items are { n: number }
        item.n.toUpperCase();
      }
      // @ts-expect-error client streams take an iterable of items
      await typed.upload({ chunk: new Uint8Array() });
      // @ts-expect-error bad per-call option
      await typed.greet({ name: 'a' }, { timeoutMs: 'soon' });
      // @ts-expect-error method names the client uses itself are refused
      defineService({ close: { output: z.string() } });
    };
    expectTypeOf(never).toBeFunction();
    await typed.close();
  });

  it('types handlers from the definition and the context hook', () => {
    const server = createServer(
      svc,
      {
        greet: ({ name }, ctx) => {
          expectTypeOf(ctx).toEqualTypeOf<CallContext<{ user: string }>>();
          expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
          return { message: `hi ${name} from ${ctx.conn.user}` };
        },
        parse: ({ when }) => ({ at: when }),
        count: async function* ({ to }) {
          for (let n = 1; n <= to; n++) yield n % 2 ? { n } : withEventId(n, { n });
        },
        upload: async (chunks) => {
          let bytes = 0;
          for await (const { chunk } of chunks) bytes += chunk.length;
          return { bytes };
        },
        log: ({ line }) => {
          expectTypeOf(line).toBeString();
        },
        now: () => Date.now(),
      },
      { context: () => ({ user: 'ada' }) },
    );
    expectTypeOf(server.listen).toBeFunction();
    // a hook that reads the handshake: annotate its parameter and ctx.conn is inferred for handlers and middleware
    createServer(
      defineService({ who: { output: z.string() } }),
      { who: (_input, ctx) => ctx.conn.token },
      {
        context: (info: ConnectionInfo) => ({ token: info.query.get('token') ?? '' }),
        middleware: [
          async (ctx, next) => {
            expectTypeOf(ctx.conn).toEqualTypeOf<{ token: string }>();
            return next();
          },
        ],
      },
    );
    const wrong = (): void => {
      createServer(svc, {
        // @ts-expect-error handler returns the wrong output shape
        greet: () => ({ msg: 'x' }),
        parse: ({ when }) => ({ at: when }),
        count: async function* () {},
        upload: async () => ({ bytes: 0 }),
        log: () => undefined,
        now: () => 0,
      });
      // @ts-expect-error a handler is missing
      createServer(svc, { greet: () => ({ message: '' }) });
    };
    expectTypeOf(wrong).toBeFunction();
  });
});

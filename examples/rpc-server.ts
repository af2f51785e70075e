/**
 * User story 1, server: serve the greeter service (JSON and msgpack clients alike).
 *   PORT (default 8080)   npx tsx examples/rpc-server.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, type ConnectionInfo } from '../src/server/rpc-entry.js';
import { greeter } from './rpc-service.js';

const server = createServer(
  greeter,
  {
    greet: async ({ name }, ctx) => ({ message: `hello ${name} (${ctx.conn.client})` }),
    count: async function* ({ to }) {
      for (let n = 1; n <= to; n++) yield { n };
    },
    // ctx.signal aborts when the client cancels or times out
    wait: async ({ ms }, ctx) => {
      await sleep(ms, undefined, { signal: ctx.signal });
      return { waited: ms };
    },
  },
  {
    // runs once the client's params arrived (in-band): build the per-connection context (ctx.conn), or throw RpcError('UNAUTHORIZED') to refuse;
    // annotating the parameter lets TypeScript infer ctx.conn's type in the handlers above
    context: (info: ConnectionInfo) => ({ client: info.params.name ?? info.remoteAddress ?? 'anonymous' }),
    middleware: [
      async (ctx, next) => {
        const t0 = performance.now();
        try {
          return await next();
        } finally {
          console.log(`${ctx.method} ${(performance.now() - t0).toFixed(2)} ms`);
        }
      },
    ],
  },
);

const { port } = await server.listen({ port: Number(process.env.PORT ?? 8080) });
console.log(`greeter listening on ws://127.0.0.1:${port}`);
// calls in flight get 5 s to finish; clients are told to reconnect elsewhere at once
process.once('SIGINT', () => void server.close({ graceMs: 5000 }).then(() => process.exit(0)));

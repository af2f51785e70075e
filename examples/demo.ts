/**
 * `npm start`: a tour of zwire's typed RPC. Starts a service on a free port,
 * calls it with the typed client (unary, a stream, a validation error, a
 * cancellation) and prints each step.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { createClient, RpcError } from '../src/client/index.js';
import { createServer, defineService } from '../src/server/rpc-entry.js';

const service = defineService({
  greet: { input: z.object({ name: z.string().min(1) }), output: z.object({ message: z.string() }) },
  count: { input: z.object({ to: z.number().int().positive() }), stream: z.object({ n: z.number() }) },
  slow: { input: z.object({ ms: z.number() }), output: z.object({ done: z.boolean() }) },
});

const step = (title: string): void => console.log(`\n\x1b[1m${title}\x1b[0m`);
const show = (label: string, value: unknown): void => console.log(`  ${label.padEnd(10)} ${typeof value === 'string' ? value : JSON.stringify(value)}`);

let aborted: string | null = null;
const server = createServer(service, {
  greet: ({ name }) => ({ message: `hello ${name}` }),
  count: async function* ({ to }) {
    for (let n = 1; n <= to; n++) yield { n };
  },
  slow: async ({ ms }, ctx) => {
    try {
      await sleep(ms, undefined, { signal: ctx.signal });
    } catch (err) {
      aborted = (ctx.signal.reason as RpcError).code;
      throw err;
    }
    return { done: true };
  },
});
const { port } = await server.listen({ port: 0 });
step(`1. service listening on ws://127.0.0.1:${port} (subprotocols zwire.rpc.v1.msgpack, zwire.rpc.v1.json)`);

const client = createClient(service, `ws://127.0.0.1:${port}`, { codec: 'msgpack' });
client.on('state', (s) => show('state', s));
await client.ready();

step('2. unary call: client.greet({ name: "Ada" })');
const t0 = performance.now();
const { message } = await client.greet({ name: 'Ada' });
show('result', message);
show('took', `${(performance.now() - t0).toFixed(2)} ms (first call: schemas and codec warm up)`);
const t1 = performance.now();
for (let i = 0; i < 1000; i++) await client.greet({ name: 'Ada' });
show('then', `${((performance.now() - t1) / 1000).toFixed(3)} ms per call, 1000 calls one after another`);

step('3. server stream: for await (const { n } of client.count({ to: 5 }))');
const items: number[] = [];
for await (const { n } of client.count({ to: 5 })) items.push(n);
show('items', items);

step('4. validation error: client.greet({ name: "" }) (zod says min length 1)');
try {
  await client.greet({ name: '' });
} catch (err) {
  if (!(err instanceof RpcError)) throw err;
  show('error', `${err.code}: ${err.message}`);
  show('issues', (err.data as { issues: { path: unknown[]; message: string }[] }).issues.map((i) => `${i.path.join('.')}: ${i.message}`));
}

step('5. cancellation: client.slow({ ms: 10000 }, { signal }) aborted after 50 ms');
const ac = new AbortController();
setTimeout(() => ac.abort(), 50);
try {
  await client.slow({ ms: 10_000 }, { signal: ac.signal });
} catch (err) {
  if (!(err instanceof RpcError)) throw err;
  show('client', `rejected with ${err.code}`);
}
while (aborted === null) await sleep(5);
show('server', `handler's ctx.signal aborted with ${aborted}`);

step('6. shutting down');
await client.close();
await server.close();
show('done', 'client and server closed');

/** A real server for the CLI tests, run as a child process: an RPC service (with a topic) with introspection and a raw echo server. */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { RpcError } from '../../src/rpc/errors.js';
import { createServer } from '../../src/server/rpc-server.js';
import { defineService } from '../../src/rpc/service.js';
import { listen } from '../../src/server/listen.js';

const service = defineService({
  add: { input: z.object({ a: z.number(), b: z.number() }), output: z.object({ sum: z.number() }) },
  whoami: { output: z.object({ user: z.string(), token: z.string() }) },
  count: { input: z.object({ to: z.number().int().min(0) }), stream: z.object({ n: z.number() }) },
  refuse: { output: z.null() },
  slow: { input: z.object({ ms: z.number() }), output: z.boolean() },
  tick: { input: z.object({ room: z.string(), n: z.number() }), output: z.object({ epoch: z.string(), offset: z.number() }) },
  ticks: {
    topic: z.object({ room: z.string().min(1) }),
    message: z.object({ n: z.number() }),
    history: { size: 100, ttlMs: 60_000 },
    presence: z.object({ user: z.string() }),
  },
});

const rpc = createServer<(typeof service)['methods'], { user: string; token: string }>(
  service,
  {
    add: ({ a, b }) => ({ sum: a + b }),
    whoami: (_input, ctx) => ctx.conn,
    count: async function* ({ to }) {
      for (let n = 1; n <= to; n++) yield { n };
    },
    refuse: () => {
      throw new RpcError('FORBIDDEN', 'not for you');
    },
    slow: async ({ ms }, ctx) => {
      await sleep(ms, undefined, { signal: ctx.signal });
      return true;
    },
    tick: ({ room, n }, ctx) => ctx.publish('ticks', { room }, { n }),
    ticks: {
      subscribe: ({ room }, ctx) => {
        if (room === 'secret') throw new RpcError('FORBIDDEN', 'not your room');
        return { presence: { user: ctx.conn.user } };
      },
    },
  },
  {
    introspection: process.env.INTROSPECTION !== '0',
    context: (info) => ({ user: info.query.get('user') ?? 'nobody', token: info.headers['x-token'] ?? '' }),
  },
);
const { port } = await rpc.listen({ http2: true });
const echo = await listen({ selectProtocol: (offered) => offered[0] }, async (conn) => {
  for await (const m of conn) {
    if (m.text() === 'bye') {
      await conn.close(4000, 'asked to');
      return;
    }
    await conn.send(m.binary ? m.data : `echo: ${m.text()}`);
  }
});
process.stdout.write(`${JSON.stringify({ rpc: port, echo: echo.port })}\n`);
process.on('SIGTERM', () => {
  void Promise.all([rpc.close(), echo.close()]).then(() => process.exit(0));
});

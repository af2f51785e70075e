/**
 * One node of the cluster example: the room service with its topics on
 * Redis. Run as many as you like on one Redis, each on its own port:
 *
 *   REDIS_URL=redis://127.0.0.1:6379 PORT=8081 npx tsx examples/cluster/node.ts
 *
 * (or REDIS_SOCKET=/path/to/redis.sock). It prints `listening on <url>` and
 * closes its connections and exits 0 on SIGINT or SIGTERM.
 */
import { createServer, type ConnectionInfo } from '../../src/server/rpc-entry.js';
import { redisEngine } from '../../src/redis/index.js';
import { roomService } from './service.js';

const name = process.env.NODE_NAME ?? `node-${process.pid}`;
const engine = redisEngine({
  ...(process.env.REDIS_SOCKET !== undefined ? { socketPath: process.env.REDIS_SOCKET } : { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }),
  presenceTtlMs: 10_000, // a node that dies takes its clients' presence with it after 10 s
  onError: (err) => console.error(`${name}: ${err.message}`),
});

const server = createServer(
  roomService,
  {
    say: async ({ room, text }, ctx) => ctx.publish('room', { room }, { from: `${ctx.conn.user}@${name}`, text }),
    room: { subscribe: async (_key, ctx) => ({ presence: { user: ctx.conn.user } }) },
  },
  { engine, context: (info: ConnectionInfo) => ({ user: info.params.user ?? 'anon' }) },
);
const { port } = await server.listen({ port: Number(process.env.PORT ?? 0) });
console.log(`${name} listening on ws://127.0.0.1:${port}/`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}

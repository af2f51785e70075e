// zwire's typed RPC topics: one topic keyed by room, no handlers, no history,
// msgpack; a Subscribe request is acknowledged by its Subscribed envelope.
// Defaults otherwise (heartbeat, limits). PORT, HOST, prints `listening <port>`.
import { z } from 'zod';
import { createServer, defineService } from '../../src/server/rpc-entry.js';

const service = defineService({
  room: { topic: z.object({ room: z.string() }), message: z.object({ text: z.string() }) },
});

const server = createServer(service, {}, { codecs: ['msgpack'] });
const { port } = await server.listen({ port: Number(process.env.PORT ?? 9001), host: process.env.HOST ?? '127.0.0.1' });
console.log(`listening ${port}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void server.close().finally(() => process.exit(0)));

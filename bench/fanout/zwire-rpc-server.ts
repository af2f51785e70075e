// zwire's typed RPC topics: every client subscribes to the room and publishes
// on it with the topic's client publish request; the server validates each
// publication once (zod), encodes it once per codec and fans it out.
// The message ends with an 8-hex-digit tag, the load generator's only view of it.
// PORT, HOST, prints `listening <port>` (the examples' convention).
import { z } from 'zod';
import { createServer, defineService } from '../../src/server/rpc-entry.js';

const fanoutService = defineService({
  room: {
    topic: z.object({ room: z.string() }),
    message: z.object({ data: z.string(), tag: z.string().length(8) }),
    // no history, as the message-layer topics and Bun: a subscriber past its budget is closed (4008)
    publish: true,
  },
});

const server = createServer(fanoutService, {}, { codecs: ['msgpack'], heartbeatMs: 0 });
const { port } = await server.listen({ port: Number(process.env.PORT ?? 9001), host: process.env.HOST ?? '127.0.0.1' });
console.log(`listening ${port}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void server.close().finally(() => process.exit(0)));

// One zwire node of the many-node benchmark: the typed RPC server with its
// topics on Redis (REDIS_SOCKET), clients publishing through the topic's publish.
import { redisEngine } from '../../src/redis/index.js';
import { createServer } from '../../src/server/rpc-entry.js';
import { benchService } from './service.js';

const server = createServer(benchService, { room: {}, kept: {} }, { engine: redisEngine({ socketPath: process.env.REDIS_SOCKET }), heartbeatMs: 0 });
const { port } = await server.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' });
console.log(`listening ${port}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void server.close().then(() => process.exit(0)));

// zwire's assembled path, as a user's server runs it: listen() parses the
// handshake from the socket, builds a Conn and hands it to the handler, which
// reads until the client goes away.
import { listen } from '../../src/index.js';

const server = await listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' }, async (conn) => {
  for await (const _message of conn);
});
console.log(`listening ${server.port}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void server.close().finally(() => process.exit(0)));

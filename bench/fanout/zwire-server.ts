// zwire's message-layer topics: every connection subscribes to the room and
// publishes every message it receives to it (the sender included).
// PORT, HOST, prints `listening <port>` (the examples' convention).
import { listen } from '../../src/index.js';

const server = await listen({ port: Number(process.env.PORT ?? 9001), host: process.env.HOST ?? '127.0.0.1' }, async (conn) => {
  conn.subscribe('room');
  for await (const m of conn) server.publish('room', m.data, { binary: m.binary });
});
console.log(`listening ${server.port}`);

const stop = (): void => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

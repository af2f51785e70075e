// The HTTP/2 benchmark's server: zwire's listen({ http2: true }), WebSockets over HTTP/1.1 and
// over cleartext HTTP/2 (h2c) on one port, echoing every message.
import { listen } from '../../src/server/listen.js';

const server = await listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1', http2: true }, async (conn) => {
  for await (const m of conn) await conn.send(m.data, { binary: m.binary });
});
console.log(`listening ${server.port}`);
const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

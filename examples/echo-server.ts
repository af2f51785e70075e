/**
 * Echo server: sends every message back with its type.
 *   PORT (default 9001), HOST (default 127.0.0.1), DEFLATE=1 for permessage-deflate.
 *   npx tsx examples/echo-server.ts
 */
import { listen } from '../src/index.js';

const server = await listen(
  {
    port: Number(process.env.PORT ?? 9001),
    host: process.env.HOST ?? '127.0.0.1',
    deflate: process.env.DEFLATE === '1',
  },
  async (conn) => {
    for await (const message of conn) {
      await conn.send(message.data, { binary: message.binary });
    }
  },
);

console.log(`listening ${server.port}`);

const stop = (): void => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

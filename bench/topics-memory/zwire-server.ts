// zwire's message-layer topics: each message a connection sends names a topic
// it subscribes to; an empty message acknowledges it. Defaults otherwise.
// PORT, HOST, prints `listening <port>`.
import { listen } from '../../src/index.js';

const server = await listen({ port: Number(process.env.PORT ?? 9001), host: process.env.HOST ?? '127.0.0.1' }, async (conn) => {
  for await (const m of conn) {
    conn.subscribe(m.text());
    await conn.send('');
  }
});
console.log(`listening ${server.port}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void server.close().finally(() => process.exit(0)));

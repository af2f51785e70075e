// zwire RPC server (serves both codecs: zwire.rpc.v1.msgpack and zwire.rpc.v1.json).
import { createServer } from '../../src/server/rpc-entry.js';
import { benchService } from './service.js';

const server = createServer(
  benchService,
  {
    greet: ({ name }) => ({ message: `hello ${name}` }),
    count: function* ({ to }) {
      for (let n = 1; n <= to; n++) yield { n };
    },
    feed: function* ({ size }) {
      const data = 'x'.repeat(size);
      for (let n = 1; ; n++) yield { n, data };
    },
  },
  { heartbeatMs: 0, limits: { maxInFlight: 1024 } },
);
const { port } = await server.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' });
console.log(`listening ${port}`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));

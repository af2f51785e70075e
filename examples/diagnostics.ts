/**
 * Auth in-band and observability: the client's token travels in its first
 * message (not the URL), the server's context hook checks it, and
 * node:diagnostics_channel reports calls, refusals and closed connections.
 *   npx tsx examples/diagnostics.ts
 */
import diagnostics from 'node:diagnostics_channel';
import { z } from 'zod';
import { createClient, isRpcError } from '../src/client/index.js';
import { createServer, defineService, RpcError, type CallEndMessage, type ConnCloseMessage, type ConnectionInfo, type HandshakeRefusedMessage } from '../src/server/rpc-entry.js';

const api = defineService({
  hello: { input: z.object({ name: z.string() }), output: z.string() },
});

diagnostics.subscribe('zwire:rpc:call:end', (m) => {
  const { method, code, durationMs } = m as CallEndMessage;
  console.log(`call ${method}: ${code} in ${durationMs.toFixed(2)} ms`);
});
diagnostics.subscribe('zwire:handshake:refused', (m) => {
  const { code, inBand } = m as HandshakeRefusedMessage;
  console.log(`refused: ${code} (${inBand ? 'in-band' : 'HTTP status'})`);
});
const closeCodes: number[] = [];
diagnostics.subscribe('zwire:conn:close', (m) => void closeCodes.push((m as ConnCloseMessage).code));

const server = createServer(
  api,
  { hello: ({ name }, ctx) => `hello ${name}, you are ${ctx.conn.user}` },
  {
    context: (info: ConnectionInfo) => {
      if (info.params.token !== 's3cret') throw new RpcError('UNAUTHORIZED', 'bad token');
      info.expireAt(Date.now() + 60 * 60 * 1000); // the token's own expiry: the client refreshes and reconnects then
      return { user: 'ada' };
    },
  },
);
const { port } = await server.listen({ port: 0 });
const url = `ws://127.0.0.1:${port}/rpc`;

const client = createClient(api, url, { params: async () => ({ token: 's3cret' }) });
console.log(await client.hello({ name: 'Ada' }));

const intruder = createClient(api, url, { params: { token: 'guess' } });
try {
  await intruder.hello({ name: 'Eve' });
} catch (err) {
  if (isRpcError(err, 'UNAUTHORIZED')) console.log(`intruder: ${err.code}, client ${intruder.state}`);
  else throw err;
}

await client.close();
await server.close();
console.log(`closed with ${closeCodes.sort().join(', ')}`);

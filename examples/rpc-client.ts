/**
 * User story 1, client: call the greeter with types inferred from its definition.
 *   npx tsx examples/rpc-server.ts &   npx tsx examples/rpc-client.ts ws://127.0.0.1:8080
 */
import { createClient, RpcError } from '../src/client/index.js';
import { greeter } from './rpc-service.js';

const url = process.argv[2] ?? 'ws://127.0.0.1:8080';
const client = createClient(greeter, url, { codec: 'msgpack', params: { name: 'rpc-client' } });

const { message } = await client.greet({ name: 'Ada' });
console.log(message);

for await (const { n } of client.count({ to: 3 })) console.log('count', n);

try {
  await client.wait({ ms: 5000 }, { timeoutMs: 100 });
} catch (err) {
  if (err instanceof RpcError) console.log(`wait failed: ${err.code}`); // TIMEOUT; the server's handler was aborted
}

await client.close();

/**
 * Errors a caller can act on: an application's own error code next to the
 * fixed set, and a validation failure with zod's issues.
 *   npx tsx examples/app-errors.ts
 */
import { z } from 'zod';
import { createClient, isRpcError, isValidationError } from '../src/client/index.js';
import { createServer, defineService, RpcError } from '../src/server/rpc-entry.js';

/** The application's own error codes. */
type AppCode = 'APP_QUOTA' | 'APP_CONFLICT';

const store = defineService({
  put: { input: z.object({ key: z.string().min(1), size: z.number().int() }), output: z.object({ stored: z.number() }) },
});

const server = createServer(store, {
  put: ({ key, size }) => {
    if (size > 3) throw new RpcError<AppCode>('APP_QUOTA', `no room for ${key}`, { limit: 3 });
    return { stored: size };
  },
});
const { port } = await server.listen({ port: 0 });
const client = createClient(store, `ws://127.0.0.1:${port}`);

for (const input of [{ key: 'a', size: 2 }, { key: 'b', size: 9 }, { key: '', size: 1.5 }]) {
  try {
    const { stored } = await client.put(input);
    console.log(`stored ${stored}`);
  } catch (err) {
    if (isRpcError<AppCode>(err, 'APP_QUOTA')) console.log(`${err.code}: ${err.message} (limit ${(err.data as { limit: number }).limit})`);
    else if (isValidationError(err)) console.log(`${err.code}: ${err.data.issues.map((i) => `${i.path.join('.')} ${i.code}`).join(', ')}`);
    else throw err;
  }
}

await client.close();
await server.close();

/**
 * User story 2: a server streams a long feed of JSON values; a slow client
 * consumes it with for-await. Credit flow control keeps the producer at most
 * `streamWindow` items ahead of the consumer, so server memory stays bounded.
 *   npx tsx examples/stream-json.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { createClient } from '../src/client/index.js';
import { createServer, defineService } from '../src/server/rpc-entry.js';

const feed = defineService({
  quotes: {
    input: z.object({ symbol: z.string() }),
    stream: z.object({ seq: z.number(), symbol: z.string(), price: z.number(), at: z.string() }),
  },
});

let produced = 0;
const server = createServer(feed, {
  quotes: async function* ({ symbol }) {
    for (let seq = 0; ; seq++) {
      produced++;
      yield { seq, symbol, price: 100 + Math.sin(seq / 10) * 5, at: new Date().toISOString() };
    }
  },
});
const { port } = await server.listen({ port: 0 });

const client = createClient(feed, `ws://127.0.0.1:${port}`, { codec: 'json', streamWindow: 32 });
let consumed = 0;
for await (const quote of client.quotes({ symbol: 'ZWR' })) {
  consumed++;
  if (quote.seq % 50 === 0) {
    console.log(`#${quote.seq} ${quote.symbol} ${quote.price.toFixed(2)}  produced ${produced}, ahead of consumer ${produced - consumed}`);
  }
  if (consumed < 200) await sleep(2); // a slow consumer: the producer waits for credit instead of flooding it
  if (consumed === 250) break; // leaving the loop cancels the stream at the server
}
console.log(`consumed ${consumed}, producer stopped after ${produced} (window 32)`);
await client.close();
await server.close();

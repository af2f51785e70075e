/**
 * Echo client: connects to a WebSocket server, sends a few text and binary
 * messages and prints what comes back.
 *   npx tsx examples/echo-client.ts ws://127.0.0.1:9001
 */
import { connect } from '../src/client/index.js';

const url = process.argv[2] ?? 'ws://127.0.0.1:9001';
const conn = await connect(url);

const outgoing: (string | Uint8Array)[] = ['hello', 'zwire ✓', Uint8Array.of(1, 2, 3, 255), 'x'.repeat(100_000)];
for (const data of outgoing) await conn.send(data);

let received = 0;
for await (const message of conn) {
  if (message.binary) console.log(`binary ${message.data.length} bytes: ${message.data.toString('hex').slice(0, 32)}`);
  else console.log(`text ${message.data.length} bytes: ${message.text().slice(0, 32)}`);
  if (++received === outgoing.length) break;
}

const info = await conn.close(1000, 'done');
console.log(`closed ${info.code} clean=${info.wasClean}`);

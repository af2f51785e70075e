/**
 * WebSockets over HTTP/2 (RFC 8441): one server port takes HTTP/2 and
 * HTTP/1.1 over TLS; three client WebSockets share one HTTP/2 session; one of
 * them is read and written as WHATWG streams (WebSocketStream).
 *   npx tsx examples/http2.ts
 */
import { readFileSync } from 'node:fs';
import { connect, listen } from '../src/index.js';
import { WebSocketStream } from '../src/client/index.js';

// a self-signed certificate for localhost (test/fixtures/README.md says how to make one)
const key = readFileSync(new URL('../test/fixtures/localhost-key.pem', import.meta.url));
const cert = readFileSync(new URL('../test/fixtures/localhost-cert.pem', import.meta.url));

const server = await listen({ http2: { key, cert }, selectProtocol: (offered) => offered[0] }, async (conn) => {
  for await (const message of conn) await conn.send(`echo ${message.text()}`);
});
const url = `wss://localhost:${server.port}/chat`;
const tls = { rejectUnauthorized: false }; // the certificate is self-signed

// three WebSockets, one TCP+TLS connection: each is a stream of the same HTTP/2 session
const conns = await Promise.all(['a', 'b', 'c'].map(() => connect(url, { http2: true, tls, protocols: ['chat.v1'] })));
for (const [i, conn] of conns.entries()) {
  await conn.send(`hello from ${i}`);
  for await (const message of conn) {
    console.log(`${conn.protocol}: ${message.text()}`);
    break;
  }
}
await Promise.all(conns.map((conn) => conn.close()));

// the same server through the WebSocketStream API: writer.ready waits while the connection is over its send budget
const wss = new WebSocketStream(url, { http2: true, tls });
const { readable, writable } = await wss.opened;
const writer = writable.getWriter();
const reader = readable.getReader();
for (const word of ['streams', 'with', 'backpressure']) {
  await writer.ready;
  await writer.write(word);
  console.log((await reader.read()).value);
}
wss.close({ closeCode: 1000, reason: 'done' });
console.log('closed', (await wss.closed).closeCode);

await server.close();

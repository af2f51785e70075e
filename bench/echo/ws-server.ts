// Peer: the `ws` package's idiomatic echo server. ws loads bufferutil when it
// is installed; WS_NO_BUFFER_UTIL=1 makes it use its JavaScript masking.
// Same conventions as examples/echo-server.ts: PORT, HOST, `listening <port>`.
import { WebSocketServer } from 'ws';
import { runWsPeer } from '../lib/sockets.js';

const server = new WebSocketServer({
  host: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 9001),
  perMessageDeflate: process.env.DEFLATE === '1',
  maxPayload: 64 * 1024 * 1024,
});

server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data as Buffer, { binary: isBinary }));
  socket.on('error', () => socket.terminate());
});

runWsPeer(server);

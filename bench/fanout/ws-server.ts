// Peer: the `ws` package, publishing by looping over its clients (bufferutil installed and used).
import { WebSocketServer } from 'ws';
import { runWsPeer } from '../lib/sockets.js';

const server = new WebSocketServer({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 9001), perMessageDeflate: false });

server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    for (const client of server.clients) client.send(data as Buffer, { binary: isBinary });
  });
  socket.on('error', () => socket.terminate());
});

runWsPeer(server);

// Peer: ws's WebSocketServer (its own node:http server), idiomatic setup.
import { WebSocketServer } from 'ws';
import { runWsPeer } from '../lib/sockets.js';

const server = new WebSocketServer({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) });
server.on('connection', (socket) => {
  socket.on('error', () => socket.terminate());
});
runWsPeer(server);

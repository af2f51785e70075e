// Peer: ws's WebSocketServer (its own node:http server), idiomatic setup.
import { WebSocketServer } from 'ws';

const server = new WebSocketServer({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) });
server.on('connection', (socket) => {
  socket.on('error', () => socket.terminate());
});
server.on('listening', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : address}`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    for (const client of server.clients) client.terminate();
    server.close(() => process.exit(0));
  });
}

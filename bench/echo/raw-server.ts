// Peer and ceiling: answers the opening handshake by hand, then writes every
// received chunk back unchanged (frames stay masked: no parsing, no unmasking,
// no validation). What no WebSocket server can beat on this machine.
import { createServer, type Socket } from 'node:net';
import { answerUpgrade } from '../lib/raw-upgrade.js';

const sockets = new Set<Socket>();

function onConnection(socket: Socket): void {
  sockets.add(socket);
  socket.setNoDelay(true);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => socket.destroy());
  answerUpgrade(socket, (rest) => {
    if (rest.length > 0) socket.write(rest);
    socket.on('data', (data: Buffer) => socket.write(data));
  });
}

const server = createServer(onConnection);
server.listen(Number(process.env.PORT ?? 9001), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : address}`);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    for (const socket of sockets) socket.destroy();
    server.close(() => process.exit(0));
  });
}

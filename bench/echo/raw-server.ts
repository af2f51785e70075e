// Peer and ceiling: answers the opening handshake by hand, then writes every
// received chunk back unchanged (frames stay masked: no parsing, no unmasking,
// no validation). What no WebSocket server can beat on this machine.
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const sockets = new Set<Socket>();

function onConnection(socket: Socket): void {
  sockets.add(socket);
  socket.setNoDelay(true);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => socket.destroy());
  let request = Buffer.alloc(0);
  const onHandshake = (chunk: Buffer): void => {
    request = Buffer.concat([request, chunk]);
    const end = request.indexOf('\r\n\r\n');
    if (end === -1) {
      if (request.length > 16_384) socket.destroy();
      return;
    }
    const key = /\r\nsec-websocket-key:\s*(\S+)/i.exec(request.subarray(0, end).toString('latin1'))?.[1];
    if (!key) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    socket.off('data', onHandshake);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    const rest = request.subarray(end + 4);
    request = Buffer.alloc(0);
    if (rest.length > 0) socket.write(rest);
    socket.on('data', (data: Buffer) => socket.write(data));
  };
  socket.on('data', onHandshake);
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

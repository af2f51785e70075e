// Shared by the handshake benchmark's servers: the examples' conventions
// (PORT, HOST, `listening <port>`, SIGTERM closes) and what every server does
// once a connection is upgraded: nothing but closing when the client does.
import type { Server, Socket } from 'node:net';

const sockets = new Set<Socket>();

/** Track a socket so SIGTERM can close it. */
export function track(socket: Socket): void {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
}

/** After the 101: close when the client closes. */
export function idleUntilClosed(socket: Socket): void {
  socket.on('error', () => socket.destroy());
  socket.on('end', () => socket.end());
  socket.resume();
}

/** Listen on PORT/HOST, print `listening <port>`, close everything on SIGTERM/SIGINT. */
export function serve(server: Server): void {
  server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
    const address = server.address();
    console.log(`listening ${typeof address === 'object' && address ? address.port : address}`);
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      for (const socket of sockets) socket.destroy();
      server.close(() => process.exit(0));
    });
  }
}

import type { Socket } from 'node:net';
import type { WebSocketServer } from 'ws';

/** End every socket gracefully; one that has not closed after `ms` is destroyed. Resolves when all are closed. */
export async function endSockets(sockets: Iterable<Socket>, ms = 5_000): Promise<void> {
  const closing: Promise<void>[] = [];
  for (const socket of sockets) {
    if (socket.destroyed) continue;
    closing.push(
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          socket.destroy();
          resolve();
        }, ms);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.end();
      }),
    );
  }
  await Promise.all(closing);
}

/**
 * The peer-server conventions of bench/lib's spawnServer for a `ws` server:
 * print `listening <port>` once it listens, and on SIGTERM/SIGINT drop every
 * client and exit 0.
 */
export function runWsPeer(server: WebSocketServer): void {
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
}

import { io, type Socket } from 'socket.io-client';

/** Connects one socket.io-client socket (WebSocket transport only, no reconnection); resolves once connected. */
export function connectOne(url: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** Disconnects every socket without reporting it as a failure (their 'disconnect' listeners go first). */
export function disconnectAll(sockets: readonly Socket[]): void {
  for (const c of sockets) {
    c.removeAllListeners('disconnect');
    c.disconnect();
  }
}

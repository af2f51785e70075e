// Peer (dev-only baseline): one Socket.IO 4.8 node with @socket.io/redis-adapter
// on node-redis clients, as the adapter's README shows (a client and its
// duplicate). Every socket joins the room; every 'm' event is emitted to the
// room across all nodes (`io.to(room).emit`, the sender included).
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';

const pubClient = createClient({ socket: { path: process.env.REDIS_SOCKET ?? '', tls: false } });
const subClient = pubClient.duplicate();
await Promise.all([pubClient.connect(), subClient.connect()]);

const http = createServer();
const io = new Server(http, { adapter: createAdapter(pubClient, subClient), transports: ['websocket'], perMessageDeflate: false });
io.on('connection', (socket) => {
  void socket.join('room');
  socket.on('m', (data: string) => {
    io.to('room').emit('m', data);
  });
});
http.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const address = http.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : address}`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    io.disconnectSockets(true);
    void io.close(() => void Promise.all([pubClient.close(), subClient.close()]).finally(() => process.exit(0)));
  });
}

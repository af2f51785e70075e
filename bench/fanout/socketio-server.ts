// Peer (dev-only baseline): Socket.IO 4.8 rooms. Every socket joins the room;
// every 'm' event is emitted to the room (`io.to(room).emit`, the sender included).
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false });
io.on('connection', (socket) => {
  void socket.join('room');
  socket.on('m', (data: string) => {
    io.to('room').emit('m', data);
  });
});
http.listen(Number(process.env.PORT ?? 9001), process.env.HOST ?? '127.0.0.1', () => {
  const address = http.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : address}`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    io.disconnectSockets(true);
    void io.close(() => process.exit(0));
  });
}

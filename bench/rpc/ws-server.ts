// Hand-written JSON-RPC on bare `ws`: no validation, no framework, the
// ceiling for RPC on ws. Streams push items while the socket drains
// (backpressure by hand), round-robin across connections by the event loop.
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

const HIGH_WATER = 1 << 20;

function stream(ws: WebSocket, id: number, to: number, size = 0): void {
  const socket = (ws as unknown as { _socket: Socket })._socket;
  const data = size > 0 ? `,"data":"${'x'.repeat(size)}"` : '';
  let n = 1;
  const pump = (): void => {
    while (n <= to && ws.readyState === ws.OPEN) {
      ws.send(`{"id":${id},"item":{"n":${n++}${data}}}`);
      if (ws.bufferedAmount > HIGH_WATER) {
        socket.once('drain', pump);
        return;
      }
      // yield to other connections every 64 items, like a fair server must
      if (n % 64 === 0) {
        setImmediate(pump);
        return;
      }
    }
  };
  pump();
}

const wss = new WebSocketServer({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' });
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const req = JSON.parse(String(data)) as { id: number; method: string; params: { name?: string; to?: number; size?: number } };
    if (req.method === 'greet') {
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: req.id, result: { message: `hello ${req.params.name}` } }));
    } else if (req.method === 'count') {
      stream(ws, req.id, req.params.to ?? 0);
    } else if (req.method === 'feed') {
      stream(ws, req.id, Infinity, req.params.size ?? 0);
    }
  });
});
wss.on('listening', () => {
  const address = wss.address();
  console.log(`listening ${typeof address === 'object' && address !== null ? address.port : 0}`);
});
process.once('SIGTERM', () => wss.close(() => process.exit(0)));

// Fan-out load generator for the Socket.IO peer, with its own client
// (socket.io-client, WebSocket transport only): Socket.IO speaks its own
// protocol over WebSocket, so the raw-socket generator cannot drive it.
// Publications are strings whose first field is their tag.
import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import { serveIpc } from '../lib/index.js';
import { Ledger } from './ledger.js';
import { connectOne, disconnectAll } from './socketio-clients.js';
import type { FanoutLoadProtocol, FanoutShape } from './protocol.js';

let clients: Socket[] = [];
let ledger: Ledger | null = null;

async function connectAll(shape: FanoutShape): Promise<{ connections: number; ms: number }> {
  const started = performance.now();
  const messages: string[] = [];
  for (let p = 0; p < shape.publishers; p++) {
    for (let s = 0; s < shape.inflight; s++) messages.push(`${Ledger.tag(p, s)}:`.padEnd(shape.size, 'x'));
  }
  const book = new Ledger(shape.clients, shape.publishers, shape.inflight, (p, s) => {
    clients[p].emit('m', messages[p * shape.inflight + s]);
  });
  ledger = book;
  const url = `http://${shape.host}:${shape.port}`;
  for (let at = 0; at < shape.clients; at += 50) {
    const group = await Promise.all(Array.from({ length: Math.min(50, shape.clients - at) }, () => connectOne(url)));
    for (const socket of group) {
      socket.on('m', (text: string) => {
        if (text.length !== shape.size) return book.fail(new Error(`delivered ${text.length} characters, published ${shape.size}`));
        book.delivered(Number(text.slice(0, text.indexOf(':'))));
      });
      socket.on('disconnect', () => book.fail(new Error('the server closed a connection')));
      clients.push(socket);
    }
  }
  await new Promise((r) => setTimeout(r, 200));
  await book.check();
  return { connections: clients.length, ms: performance.now() - started };
}

async function run({ ms }: { ms: number }): ReturnType<Ledger['round']> {
  if (!ledger) throw new Error('run before connect');
  return ledger.round(ms);
}

function closeAll(): null {
  disconnectAll(clients);
  clients = [];
  return null;
}

serveIpc<FanoutLoadProtocol>({ connect: connectAll, run, close: closeAll });
process.on('disconnect', () => process.exit(0));

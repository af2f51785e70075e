// Peer: the `ws` package with topics by hand (a Map of topic to a Set of
// sockets, each socket's topics in an array, left on close), as a ws
// application keeps rooms. Each message names a topic; an empty message acknowledges it.
import { WebSocketServer, type WebSocket } from 'ws';
import { runWsPeer } from '../lib/sockets.js';

const server = new WebSocketServer({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 9001), perMessageDeflate: false });
const topics = new Map<string, Set<WebSocket>>();

server.on('connection', (socket) => {
  const mine: string[] = [];
  socket.on('message', (data) => {
    const topic = String(data);
    let set = topics.get(topic);
    if (set === undefined) topics.set(topic, (set = new Set()));
    set.add(socket);
    mine.push(topic);
    socket.send('');
  });
  socket.on('close', () => {
    for (const topic of mine) {
      const set = topics.get(topic);
      set?.delete(socket);
      if (set?.size === 0) topics.delete(topic);
    }
  });
  socket.on('error', () => socket.terminate());
});

runWsPeer(server);

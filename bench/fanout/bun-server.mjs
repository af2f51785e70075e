// Peer: Bun's native topics (ws.subscribe, server.publish), run by the `bun`
// binary of the `bun` dev dependency. Plain JavaScript: Bun's types are not
// installed. PORT, HOST, prints `listening <port>`.
const server = Bun.serve({
  port: Number(process.env.PORT ?? 9001),
  hostname: process.env.HOST ?? '127.0.0.1',
  fetch(req, srv) {
    if (srv.upgrade(req)) return undefined;
    return new Response('WebSocket only', { status: 400 });
  },
  websocket: {
    perMessageDeflate: false,
    open(ws) {
      ws.subscribe('room');
    },
    message(ws, message) {
      server.publish('room', message);
    },
  },
});
console.log(`listening ${server.port}`);
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.stop(true);
    process.exit(0);
  });
}

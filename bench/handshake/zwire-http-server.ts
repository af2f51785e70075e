// zwire's node:http path: upgradeHTTP() in a node:http server's 'upgrade' event.
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { upgradeHTTP } from '../../src/upgrade/index.js';
import { idleUntilClosed, serve, track } from './common.js';

const server = createServer((_req, res) => {
  res.writeHead(426).end();
});
server.on('connection', track);
server.on('upgrade', (req, socket, head) => {
  upgradeHTTP(req, socket, head).then(() => idleUntilClosed(socket as Socket), () => {});
});
serve(server);

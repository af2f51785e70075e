/**
 * Chat rooms on plain connections: the room is the path, the name a query
 * parameter (`ws://127.0.0.1:9002/rooms/lobby?name=ann`); every message goes to
 * everyone in the room as `name: text`. On SIGTERM/SIGINT it stops accepting,
 * tells the rooms, gives connections 2 s to finish and exits 0.
 *   PORT (default 9002), HOST (default 127.0.0.1)
 *   npx tsx examples/rooms-server.ts
 */
import { listen } from '../src/index.js';
import type { Conn } from '../src/index.js';

const rooms = new Map<string, Set<Conn>>();

const server = await listen(
  { port: Number(process.env.PORT ?? 9002), host: process.env.HOST ?? '127.0.0.1' },
  async (conn, info) => {
    const name = info.query.get('name') ?? info.remoteAddress ?? 'someone';
    const room = rooms.get(info.path) ?? new Set<Conn>();
    rooms.set(info.path, room);
    room.add(conn);
    info.signal.addEventListener('abort', () => void conn.send('server: shutting down').catch(() => undefined));
    try {
      for await (const message of conn) {
        const line = `${name}: ${message.text()}`;
        await Promise.all([...room].map((peer) => peer.send(line).catch(() => undefined)));
      }
    } finally {
      room.delete(conn);
      if (room.size === 0) rooms.delete(info.path);
    }
  },
);

console.log(`listening ${server.port}`);

const stop = (): void => {
  server.close({ graceMs: 2_000 }).then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

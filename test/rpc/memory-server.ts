/**
 * A chat RPC server in a process of its own, so its heap holds only the
 * server side of the connections: `node --import tsx memory-server.ts`.
 * Sends `{ port }` once listening; answers 'measure' with its memory after
 * garbage collection and 'publish' with the publication's position.
 */
import { createServer } from '../../src/server/rpc-server.js';
import { collectedMemory } from '../helpers/collected-memory.js';
import { chat } from './topics-service.js';

export type MemoryRequest = { op: 'measure' } | { op: 'publish'; symbol: string };
export interface MemoryReading {
  heapUsed: number;
  external: number;
  connections: number;
}

const server = createServer(chat, {
  say: ({ room, text }, ctx) => ctx.publish('room', { room }, { from: 'anon', text }),
  room: {},
  small: {},
  brief: {},
  ticker: {},
  user: {},
  board: {},
});
const { port } = await server.listen({ port: 0 });
process.send?.({ port });
process.on('message', (req: MemoryRequest) => {
  if (req.op === 'measure') {
    void collectedMemory().then((m) => process.send?.({ heapUsed: m.heapUsed, external: m.external, connections: server.connections } satisfies MemoryReading));
  } else {
    void server.publish('ticker', { symbol: req.symbol }, { n: 1 }).then((at) => process.send?.(at));
  }
});
process.on('disconnect', () => void server.close().finally(() => process.exit(0)));

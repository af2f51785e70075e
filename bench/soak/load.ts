// Load generator of the soak benchmark: holds a pool of idle WebSocket
// connections to one server, opens more and closes the oldest on request.
// Built from the echo benchmark's pieces (its handshake and frame builder, not src/).
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { endSockets, serveIpc } from '../lib/index.js';
import { BINARY, makePayload, maskedFrame } from '../echo/frames.js';
import { openWebSocket } from '../echo/handshake.js';
import { verifyEcho } from '../echo/verify.js';
import type { SoakProtocol } from './protocol.js';

const CONNECT_CONCURRENCY = 100;
const PAYLOAD = makePayload(32, false);
const FRAME = maskedFrame(BINARY, PAYLOAD);
/** A masked close frame with code 1000. */
const CLOSE = maskedFrame(0x8, Buffer.from([0x03, 0xe8]));

/** Oldest first. */
let pool: Socket[] = [];

function ignore(): void {}

async function open({ host, port, count }: { host: string; port: number; count: number }): Promise<{ open: number; ms: number }> {
  const started = performance.now();
  for (let at = 0; at < count; at += CONNECT_CONCURRENCY) {
    const group = Math.min(CONNECT_CONCURRENCY, count - at);
    const sockets = await Promise.all(
      Array.from({ length: group }, async () => {
        const { socket, head } = await openWebSocket(host, port);
        socket.on('error', ignore);
        await verifyEcho(socket, head, BINARY, PAYLOAD, FRAME);
        return socket;
      }),
    );
    pool.push(...sockets);
  }
  return { open: pool.length, ms: performance.now() - started };
}

async function close({ count }: { count: number }): Promise<{ open: number; ms: number }> {
  const started = performance.now();
  const leaving = pool.slice(0, count);
  pool = pool.slice(count);
  for (const socket of leaving) socket.write(CLOSE);
  await endSockets(leaving);
  return { open: pool.length, ms: performance.now() - started };
}

serveIpc<SoakProtocol>({ open, close });
process.on('disconnect', () => process.exit(0));

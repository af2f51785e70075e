// Load generator for the handshake benchmark, a separate process: N loops,
// each opening a TCP connection, sending the upgrade request, checking the
// 101 and its Sec-WebSocket-Accept, closing, and starting over, for a fixed
// window. Written against node:net only (no code from src/).
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { serveIpc } from '../lib/index.js';
import type { LoadProtocol } from './protocol.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
// a few keys, prepared up front so the generator spends its CPU on sockets
const KEYS = Array.from({ length: 16 }, () => {
  const key = randomBytes(16).toString('base64');
  return { key, accept: createHash('sha1').update(key + GUID).digest('base64') };
});

function requestFor(port: number, key: string): Buffer {
  return Buffer.from(
    `GET /chat HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1\r\n` +
      `User-Agent: zwire-bench\r\nAccept-Encoding: gzip, deflate\r\n\r\n`,
    'latin1',
  );
}

/** One connection: resolves true on a valid 101 once the socket has closed. */
function handshakeOnce(port: number, request: Buffer, accept: string): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    let got = '';
    let verdict: string | null = 'closed before the 101';
    socket.on('connect', () => socket.write(request));
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      verdict = got.startsWith('HTTP/1.1 101 ') && got.includes(`\r\nSec-WebSocket-Accept: ${accept}\r\n`) ? null : got.split('\r\n')[0];
      socket.end();
    });
    socket.on('error', (e) => {
      verdict = e.message;
    });
    socket.on('close', () => resolve(verdict));
  });
}

async function run({ port, concurrency, durationMs }: LoadProtocol['run']['arg']): Promise<LoadProtocol['run']['result']> {
  const requests = KEYS.map((k) => ({ request: requestFor(port, k.key), accept: k.accept }));
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const deadline = started + durationMs;
  let handshakes = 0;
  let failures = 0;
  let firstError: string | null = null;
  const loop = async (id: number): Promise<void> => {
    let i = id;
    while (performance.now() < deadline) {
      const { request, accept } = requests[i++ % requests.length];
      const err = await handshakeOnce(port, request, accept);
      if (err === null) handshakes++;
      else {
        failures++;
        firstError ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, id) => loop(id)));
  const windowMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  return { handshakes, failures, windowMs, busy: (cpu.user + cpu.system) / 1000 / windowMs, firstError };
}

serveIpc<LoadProtocol>({ run });

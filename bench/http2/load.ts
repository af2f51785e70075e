// Load generator of the HTTP/2 benchmark, a separate process. It uses zwire's own client on both
// transports (the comparison is HTTP/2 against HTTP/1.1, not one library against another).
import { connect } from '../../src/client/connect.js';
import type { Conn } from '../../src/message/conn.js';
import { serveIpc } from '../lib/index.js';
import type { Http2LoadProtocol } from './protocol.js';

const url = (port: number): string => `ws://127.0.0.1:${port}/bench`;

serveIpc<Http2LoadProtocol>({
  async handshakes({ port, http2, concurrency, durationMs }) {
    // over HTTP/2 the session is opened once, outside the window, and kept by one idle WebSocket
    const keeper = http2 ? await connect(url(port), { http2 }) : null;
    const start = performance.now();
    const end = start + durationMs;
    let handshakes = 0;
    let failures = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          try {
            const c = await connect(url(port), { http2 });
            handshakes++;
            await c.close();
          } catch {
            failures++;
          }
        }
      }),
    );
    const windowMs = performance.now() - start;
    await keeper?.close();
    return { handshakes, windowMs, failures };
  },

  async echo({ port, http2, connections, size, durationMs }) {
    const conns: Conn[] = await Promise.all(Array.from({ length: connections }, () => connect(url(port), { http2 })));
    const payload = Buffer.alloc(size, 0x61);
    let messages = 0;
    let stop = false;
    const start = performance.now();
    const loops = conns.map(async (c) => {
      const it = c[Symbol.asyncIterator]();
      while (!stop) {
        await c.send(payload);
        const r = await it.next();
        if (r.done === true) return;
        messages++;
      }
    });
    await new Promise((r) => setTimeout(r, durationMs));
    stop = true;
    const windowMs = performance.now() - start;
    await Promise.all(loops);
    await Promise.all(conns.map((c) => c.close()));
    return { messages, windowMs, tcpConnections: http2 ? 1 : connections };
  },
});

/**
 * permessage-deflate interop with `ws`: our server with ws's client and our client with ws's server, with
 * context takeover, without it, and with small windows (9 and 8 bits). Every message goes compressed
 * (threshold 0 on both ends) in both directions, from 0 B to 200 KiB, text and binary, some fragmented.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer as WsServer, type PerMessageDeflateOptions } from 'ws';
import { connect } from '../../src/client/index.js';
import type { DeflateOptions } from '../../src/deflate/index.js';
import { listen, type Conn, type WebSocketServer } from '../../src/index.js';
import { jsonText, randomBytes } from './helpers.js';

interface Scenario {
  name: string;
  ws: PerMessageDeflateOptions;
  zwire: DeflateOptions;
  /** The negotiated parameters expected in Sec-WebSocket-Extensions. */
  expect: RegExp;
}

const SCENARIOS: Scenario[] = [
  { name: 'context takeover (defaults)', ws: {}, zwire: {}, expect: /^permessage-deflate(; client_max_window_bits=15)?$/ },
  {
    name: 'no context takeover either way',
    ws: { serverNoContextTakeover: true, clientNoContextTakeover: true },
    zwire: { serverNoContextTakeover: true, clientNoContextTakeover: true },
    expect: /server_no_context_takeover.*client_no_context_takeover|client_no_context_takeover.*server_no_context_takeover/,
  },
  { name: '9-bit windows', ws: { serverMaxWindowBits: 9, clientMaxWindowBits: 9 }, zwire: { serverMaxWindowBits: 9, clientMaxWindowBits: 9 }, expect: /server_max_window_bits=9.*client_max_window_bits=9|client_max_window_bits=9.*server_max_window_bits=9/ },
  { name: '8-bit server window', ws: { serverMaxWindowBits: 8 }, zwire: { serverMaxWindowBits: 8 }, expect: /server_max_window_bits=8/ },
];

const MESSAGES: { data: Buffer; binary: boolean }[] = [
  { data: Buffer.alloc(0), binary: false },
  { data: jsonText(16, 1), binary: false },
  { data: jsonText(1000, 2), binary: false },
  { data: randomBytes(3000, 3), binary: true },
  { data: jsonText(1000, 2), binary: false },
  { data: jsonText(70_000, 4), binary: false },
  { data: randomBytes(200_000, 5), binary: true },
  { data: jsonText(5000, 6), binary: false },
];

function wsSend(ws: WebSocket, data: Buffer, binary: boolean): Promise<void> {
  return new Promise((resolve, reject) => ws.send(data, { binary, compress: true }, (err) => (err ? reject(err) : resolve())));
}

function wsQueue(ws: WebSocket): () => Promise<{ data: Buffer; binary: boolean }> {
  const queue: { data: Buffer; binary: boolean }[] = [];
  const waiting: ((m: { data: Buffer; binary: boolean }) => void)[] = [];
  ws.on('message', (data: Buffer, binary: boolean) => {
    const m = { data, binary };
    const w = waiting.shift();
    if (w) w(m);
    else queue.push(m);
  });
  return () => {
    const m = queue.shift();
    return m ? Promise.resolve(m) : new Promise((resolve) => waiting.push(resolve));
  };
}

async function zwireRead(conn: Conn): Promise<{ data: Buffer; binary: boolean }> {
  const r = await conn[Symbol.asyncIterator]().next();
  if (r.done === true) throw new Error('connection ended');
  return { data: r.value.data, binary: r.value.binary };
}

function same(a: { data: Buffer; binary: boolean }, b: { data: Buffer; binary: boolean }): void {
  expect(a.binary).toBe(b.binary);
  expect(a.data.length).toBe(b.data.length);
  expect(Buffer.compare(a.data, b.data)).toBe(0);
}

describe.each(SCENARIOS)('ws interop: $name', (s) => {
  describe('zwire server, ws client', () => {
    let server: WebSocketServer;
    beforeAll(async () => {
      server = await listen({ port: 0, deflate: { ...s.zwire, threshold: 0 } }, async (conn) => {
        for await (const m of conn) {
          if (m.binary) {
            const w = conn.writer({ binary: true, fragmentSize: 4096 });
            await new Promise<void>((resolve, reject) => w.end(m.data, (err?: Error | null) => (err ? reject(err) : resolve())));
          } else {
            await conn.send(m.data, { binary: false });
          }
        }
      });
    });
    afterAll(() => server.close());

    it('echoes every message intact, compressed both ways', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/`, { perMessageDeflate: { ...s.ws, threshold: 0 } });
      const next = wsQueue(ws);
      let answered = '';
      ws.once('upgrade', (res) => (answered = String(res.headers['sec-websocket-extensions'])));
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      expect(answered).toMatch(s.expect);
      for (const m of MESSAGES) {
        await wsSend(ws, m.data, m.binary);
        same(await next(), m);
      }
      const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
      ws.close(1000);
      expect(await closed).toBe(1000);
    });
  });

  describe('zwire client, ws server', () => {
    let wss: WsServer;
    let port = 0;
    let answered = '';
    beforeAll(async () => {
      wss = new WsServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { ...s.ws, threshold: 0 } });
      wss.on('headers', (headers: string[]) => {
        answered = headers.find((h) => h.toLowerCase().startsWith('sec-websocket-extensions:'))?.slice(25).trim() ?? '';
      });
      wss.on('connection', (ws) => {
        ws.on('message', (data: Buffer, binary: boolean) => ws.send(data, { binary, compress: true }));
      });
      await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
      port = (wss.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => wss.close(() => resolve())));

    it('echoes every message intact, compressed both ways', async () => {
      const conn = await connect(`ws://127.0.0.1:${port}/`, { deflate: { ...s.zwire, threshold: 0 } });
      expect(answered).toMatch(s.expect);
      for (const m of MESSAGES) {
        if (m.binary) {
          const w = conn.writer({ binary: true, fragmentSize: 4096 });
          await new Promise<void>((resolve, reject) => w.end(m.data, (err?: Error | null) => (err ? reject(err) : resolve())));
        } else {
          await conn.send(m.data, { binary: false });
        }
        same(await zwireRead(conn), m);
      }
      const info = await conn.close(1000);
      expect(info.code).toBe(1000);
    });
  });
});

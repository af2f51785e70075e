import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { constants, inflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { dial, upgrade, upgradeHTTP, type UpgradeOptions, type UpgradeResult } from '../../src/upgrade/index.js';

const cert = readFileSync(new URL('../fixtures/localhost-cert.pem', import.meta.url));
const key = readFileSync(new URL('../fixtures/localhost-key.pem', import.meta.url));

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** Reads one short masked client frame from the bytes (head first, then the socket) and unmasks it. */
function readClientText(socket: net.Socket, head: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = head;
    const tryParse = (): boolean => {
      if (buf.length < 6) return false;
      const len = buf[1] & 0x7f;
      if (buf.length < 6 + len) return false;
      if ((buf[0] & 0xbf) !== 0x81 || (buf[1] & 0x80) === 0 || len > 125) {
        reject(new Error(`unexpected frame ${buf.toString('hex')}`));
        return true;
      }
      const mask = buf.subarray(2, 6);
      const payload = Buffer.from(buf.subarray(6, 6 + len));
      for (let i = 0; i < len; i++) payload[i] ^= mask[i & 3];
      // RSV1: permessage-deflate was negotiated and ws compressed the message
      const data = (buf[0] & 0x40) !== 0 ? inflateRawSync(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: constants.Z_SYNC_FLUSH }) : payload;
      resolve(data.toString());
      return true;
    };
    if (tryParse()) return;
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      tryParse();
    });
    socket.resume();
  });
}

function serverText(text: string): Buffer {
  return Buffer.concat([Buffer.from([0x81, Buffer.byteLength(text)]), Buffer.from(text)]);
}

/** Server side used by the ws-client tests: echo the first text frame back upper-cased. */
async function echoUpper(socket: net.Socket, r: UpgradeResult): Promise<void> {
  socket.on('error', () => {});
  const text = await readClientText(socket, r.head);
  socket.write(serverText(text.toUpperCase()));
}

function wsClient(url: string, protocols: string[], opts: WebSocket.ClientOptions = {}): Promise<{ ws: WebSocket; reply: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, opts);
    cleanup.push(() => ws.terminate());
    ws.on('error', reject);
    ws.on('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.on('open', () => ws.send('hello'));
    ws.on('message', (m) => resolve({ ws, reply: m.toString() }));
  });
}

const policy: UpgradeOptions = {
  selectProtocol: (p) => (p.includes('chat') ? 'chat' : null),
  negotiateExtensions: (offers) => offers.filter((o) => o.name === 'permessage-deflate').slice(0, 1).map((o) => ({ name: o.name, params: new Map() })),
};

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => server.close(r)));
  return (server.address() as net.AddressInfo).port;
}

describe('interop with ws', () => {
  it("ws's client upgrades against upgrade() on a raw socket", async () => {
    const results: UpgradeResult[] = [];
    const server = net.createServer((s) => {
      cleanup.push(() => s.destroy());
      upgrade(s, policy).then((r) => {
        results.push(r);
        return echoUpper(s, r);
      }, () => {});
    });
    const port = await listen(server);
    const { ws, reply } = await wsClient(`ws://127.0.0.1:${port}/x`, ['x', 'chat']);
    expect(reply).toBe('HELLO');
    expect(ws.protocol).toBe('chat');
    expect(ws.extensions).toBe('permessage-deflate');
    expect(results[0].protocol).toBe('chat');
  });

  it("ws's client upgrades against upgradeHTTP() on a node:http server", async () => {
    const server = http.createServer((_req, res) => res.end('plain'));
    server.on('upgrade', (req, socket, head) => {
      cleanup.push(() => socket.destroy());
      upgradeHTTP(req, socket, head, policy).then((r) => echoUpper(socket as net.Socket, r), () => {});
    });
    const port = await listen(server);
    const { ws, reply } = await wsClient(`ws://127.0.0.1:${port}/y`, ['chat']);
    expect(reply).toBe('HELLO');
    expect(ws.protocol).toBe('chat');
  });

  it("ws's client over wss:// against upgrade() on a tls.Server", async () => {
    const server = tls.createServer({ cert, key }, (s) => {
      cleanup.push(() => s.destroy());
      upgrade(s, policy).then((r) => echoUpper(s, r), () => {});
    });
    const port = await listen(server);
    const { reply } = await wsClient(`wss://localhost:${port}/`, ['chat'], { ca: cert });
    expect(reply).toBe('HELLO');
  });

  it("dial() against ws's server: subprotocol, permessage-deflate, and a first message in head", async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: true, handleProtocols: (p) => (p.has('b') ? 'b' : false) });
    cleanup.push(() => new Promise((r) => wss.close(r)));
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (c) => c.send('hi', { compress: false }));
    const port = (wss.address() as net.AddressInfo).port;
    const r = await dial(`ws://127.0.0.1:${port}/path?q=1`, {
      protocols: ['a', 'b'],
      extensions: [{ name: 'permessage-deflate', params: new Map([['client_max_window_bits', true]]) }],
    });
    cleanup.push(() => r.socket.destroy());
    expect(r.status).toBe(101);
    expect(r.protocol).toBe('b');
    expect(r.extensions.map((e) => e.name)).toEqual(['permessage-deflate']);
    expect(r.socket.isPaused()).toBe(true);
    const got = await new Promise<Buffer>((resolve) => {
      let buf = r.head;
      if (buf.length >= 4) return resolve(buf);
      r.socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 4) resolve(buf);
      });
      r.socket.resume();
    });
    expect([...got.subarray(0, 4)]).toEqual([0x81, 2, 0x68, 0x69]);
  });

  it("dial() over wss:// with the self-signed fixture certificate against ws's server", async () => {
    const server = https.createServer({ cert, key });
    const wss = new WebSocketServer({ server });
    cleanup.push(() => new Promise((r) => wss.close(r)));
    wss.on('connection', (c) => c.close(1000));
    const port = await listen(server);
    const r = await dial(`wss://localhost:${port}/`, { tls: { ca: cert } });
    cleanup.push(() => r.socket.destroy());
    expect(r.socket).toBeInstanceOf(tls.TLSSocket);
    expect(r.status).toBe(101);
    await expect(dial(`wss://localhost:${port}/`)).rejects.toMatchObject({ code: 'ERR_SOCKET' });
  });
});

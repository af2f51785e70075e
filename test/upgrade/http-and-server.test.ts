import * as http from 'node:http';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createUpgradeServer, RejectError, upgradeHTTP, type UpgradeError, type UpgradeResult } from '../../src/upgrade/index.js';
import { exchange, request } from './helpers.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => sockets.add(s));
  cleanup.push(() => new Promise((r) => {
    for (const s of sockets) s.destroy();
    server.close(r);
  }));
  return (server.address() as net.AddressInfo).port;
}

describe('upgradeHTTP', () => {
  async function httpServer(options: Parameters<typeof upgradeHTTP>[3] = {}) {
    const outcomes: Promise<UpgradeResult>[] = [];
    const server = http.createServer((_req, res) => res.end());
    server.on('upgrade', (req, socket, head) => {
      const p = upgradeHTTP(req, socket, head, options);
      p.catch(() => {});
      outcomes.push(p);
    });
    return { port: await listen(server), outcomes };
  }

  it.each([
    ['POST', request({ method: 'POST' }), 405],
    ['HTTP/1.0', request({ version: 'HTTP/1.0' }), 505],
    ['Upgrade not websocket', request({ omit: ['Upgrade'], extra: ['Upgrade: h2c'] }), 400],
    ['bad key', request({ key: 'AAAA' }), 400],
    ['missing Host', request({ omit: ['Host'] }), 400],
    ['two Host headers', request({ extra: ['Host: b'] }), 400],
    ['two keys', request({ extra: ['Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='] }), 400],
    ['two versions', request({ extra: ['Sec-WebSocket-Version: 13'] }), 400],
    ['missing version', request({ omit: ['Sec-WebSocket-Version'] }), 426],
    ['version 8', request({ omit: ['Sec-WebSocket-Version'], extra: ['Sec-WebSocket-Version: 8'] }), 426],
  ])('%s -> %s', async (_name, text, status) => {
    const srv = await httpServer();
    const res = await exchange(srv.port, [text]);
    expect(res.data).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    await expect(srv.outcomes[0]).rejects.toMatchObject({ status, responded: true });
  });

  it('runs the same hooks and negotiation, and writes the RFC 101', async () => {
    const seen: string[] = [];
    const srv = await httpServer({
      onRequest: (u) => seen.push(u.toString()),
      onHost: (h) => seen.push(h.toString()),
      onHeader: (n, v) => seen.push(`${n.toString()}=${v.toString()}`),
      selectProtocol: (p) => p[1],
    });
    const res = await exchange(srv.port, [request({ path: '/q', extra: ['Origin: o', 'Sec-WebSocket-Protocol: a, b'] })], 300);
    expect(res.data).toBe(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: b\r\n\r\n',
    );
    expect(seen).toEqual(['/q', 'example.com', 'Origin=o']);
    expect((await srv.outcomes[0]).protocol).toBe('b');
  });

  it('a hook rejection is answered with its status', async () => {
    const srv = await httpServer({
      onBeforeUpgrade: () => {
        throw new RejectError(401, 'token required', { 'WWW-Authenticate': 'Bearer' });
      },
    });
    const res = await exchange(srv.port, [request()]);
    expect(res.data).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n[^]*WWW-Authenticate: Bearer\r\n/);
  });

  it('a slow onBeforeUpgrade is cut off by the handshake timeout', async () => {
    const srv = await httpServer({ timeoutMs: 200, onBeforeUpgrade: () => new Promise(() => {}) });
    const res = await exchange(srv.port, [request()]);
    expect(res.data).toBe('');
    await expect(srv.outcomes[0]).rejects.toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT', status: 0 });
  });
});

describe('createUpgradeServer', () => {
  it('upgrades WebSocket clients and answers plain HTTP with 426', async () => {
    const errors: UpgradeError[] = [];
    const server = createUpgradeServer({
      onUpgrade: (socket) => {
        socket.on('error', () => {});
        socket.resume();
        socket.write(Buffer.from([0x81, 2, 0x6f, 0x6b]));
      },
      onError: (e) => errors.push(e),
    });
    const port = await listen(server);
    const msg = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      cleanup.push(() => ws.terminate());
      ws.on('message', (m) => resolve(m.toString()));
      ws.on('error', reject);
    });
    expect(msg).toBe('ok');
    const plain = await exchange(port, ['GET / HTTP/1.1\r\nHost: a\r\n\r\n']);
    expect(plain.data).toMatch(/^HTTP\/1\.1 426 Upgrade Required\r\n[^]*Upgrade: websocket\r\n/);
    expect(errors.map((e) => e.code)).toEqual(['ERR_PLAIN_HTTP']);
  });

  it('a throwing onUpgrade destroys that socket and is reported', async () => {
    const boom = new Error('boom');
    const errors: UpgradeError[] = [];
    const server = createUpgradeServer({
      onUpgrade: () => {
        throw boom;
      },
      onError: (e) => errors.push(e),
    });
    const port = await listen(server);
    const res = await exchange(port, [request()]);
    expect(res.data).toMatch(/^HTTP\/1\.1 101 /);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'ERR_HANDLER', cause: boom });
  });

  it('hands plain HTTP requests to onHttpRequest with the connection intact', async () => {
    const server = createUpgradeServer({
      onUpgrade: (socket) => socket.destroy(),
      onHttpRequest: (req, res) => {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => res.end(`${req.method} ${req.url} ${body}`));
      },
    });
    const port = await listen(server);
    const res = await exchange(port, ['POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhel', 'lo'], 2000);
    expect(res.data).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nPOST \/form hello$/);
  });
});

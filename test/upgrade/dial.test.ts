import * as http from 'node:http';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptKey, dial, HandshakeError } from '../../src/upgrade/index.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A TCP server that reads the request head and answers with `answer(key, request)`. */
async function fakeServer(answer: (key: string, request: string) => string | Buffer | null): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = net.createServer((s) => {
    s.on('error', () => {});
    cleanup.push(() => s.destroy());
    let text = '';
    s.on('data', (d) => {
      text += d.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      requests.push(text.slice(0, end + 4));
      const key = /Sec-WebSocket-Key: (.*)\r\n/.exec(text)?.[1] ?? '';
      const out = answer(key, text);
      if (out !== null) s.write(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => server.close(r)));
  return { url: `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}`, requests };
}

const ok = (key: string, extra = ''): string =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n${extra}\r\n`;

describe('dial', () => {
  it('sends a well-formed request with Host, Origin, custom headers and offers', async () => {
    const srv = await fakeServer((key) => ok(key));
    const r = await dial(`${srv.url}/a/b?c=d`, {
      origin: 'https://app.example',
      headers: { 'X-Token': 't', Host: 'virtual.example' },
      protocols: ['p1', 'p2'],
      extensions: [{ name: 'permessage-deflate', params: new Map([['client_max_window_bits', true]]) }],
    });
    r.socket.destroy();
    const req = srv.requests[0];
    expect(req).toMatch(/^GET \/a\/b\?c=d HTTP\/1\.1\r\n/);
    for (const line of ['Host: virtual.example', 'Origin: https://app.example', 'X-Token: t', 'Upgrade: websocket', 'Connection: Upgrade',
      'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Protocol: p1, p2', 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits']) {
      expect(req).toContain(`\r\n${line}\r\n`);
    }
    expect(req).toMatch(/\r\nSec-WebSocket-Key: [A-Za-z0-9+/]{22}==\r\n/);
  });

  it('hands on bytes that follow the 101 and leaves the socket paused', async () => {
    const srv = await fakeServer((key) => Buffer.concat([Buffer.from(ok(key), 'latin1'), Buffer.from([0x81, 1, 0x78])]));
    const r = await dial(srv.url);
    cleanup.push(() => r.socket.destroy());
    expect([...r.head]).toEqual([0x81, 1, 0x78]);
    expect(r.socket.isPaused()).toBe(true);
    expect(r.socket.listenerCount('data')).toBe(0);
    expect(r.headers['sec-websocket-accept']).toBeDefined();
  });

  it('turns a non-101 answer into an error with status, headers and body', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(403, { 'X-Reason': 'nope', 'Content-Type': 'text/plain' });
      res.end('go away');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => server.close(r)));
    const err = await dial(`ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HandshakeError);
    expect(err).toMatchObject({ code: 'ERR_UNEXPECTED_STATUS', status: 403 });
    expect((err as HandshakeError).headers?.['x-reason']).toBe('nope');
    expect((err as HandshakeError).body?.toString()).toBe('go away');
  });

  it('decodes a chunked error body', async () => {
    const srv = await fakeServer(() => 'HTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n');
    const err = (await dial(srv.url, { timeoutMs: 5000 }).catch((e: unknown) => e)) as HandshakeError;
    expect(err.status).toBe(400);
    expect(err.body?.toString()).toBe('abcde');
  });

  it('bounds the error body', async () => {
    const srv = await fakeServer(() => `HTTP/1.1 500 Oops\r\nContent-Length: 100000\r\n\r\n${'z'.repeat(100_000)}`);
    const err = (await dial(srv.url, { maxErrorBodyBytes: 10 }).catch((e: unknown) => e)) as HandshakeError;
    expect(err.status).toBe(500);
    expect(err.body?.toString()).toBe('z'.repeat(10));
  });

  it.each([
    ['a wrong accept', (key: string) => ok(key).replace(acceptKey(key), acceptKey('dGhlIHNhbXBsZSBub25jZQ==')), 'ERR_BAD_ACCEPT'],
    ['no Upgrade header', (key: string) => ok(key).replace('Upgrade: websocket\r\n', ''), 'ERR_BAD_UPGRADE'],
    ['no Connection: Upgrade', (key: string) => ok(key).replace('Connection: Upgrade', 'Connection: close'), 'ERR_BAD_CONNECTION'],
    ['a subprotocol never offered', (key: string) => ok(key, 'Sec-WebSocket-Protocol: zzz\r\n'), 'ERR_BAD_PROTOCOL'],
    ['an extension never offered', (key: string) => ok(key, 'Sec-WebSocket-Extensions: x-other\r\n'), 'ERR_BAD_EXTENSIONS'],
    ['a malformed extension header', (key: string) => ok(key, 'Sec-WebSocket-Extensions: a; b="\r\n'), 'ERR_BAD_EXTENSIONS'],
    ['garbage', () => 'SSH-2.0-OpenSSH\r\n\r\n', 'ERR_BAD_RESPONSE'],
    ['an oversized head', () => `HTTP/1.1 101 OK\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`, 'ERR_RESPONSE_TOO_LARGE'],
  ])('rejects %s', async (_name, answer, code) => {
    const srv = await fakeServer(answer);
    await expect(dial(srv.url, { protocols: ['p'], extensions: [{ name: 'x', params: new Map() }] })).rejects.toMatchObject({ code });
  });

  it('times out on a server that never answers', async () => {
    const srv = await fakeServer(() => null);
    const t = Date.now();
    await expect(dial(srv.url, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT' });
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it('can be aborted, before or during the handshake', async () => {
    const srv = await fakeServer(() => null);
    const ac = new AbortController();
    const p = dial(srv.url, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('bye')), 50);
    await expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await expect(dial(srv.url, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });

  it('reports a refused connection', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((r) => server.close(r));
    await expect(dial(`ws://127.0.0.1:${port}/`)).rejects.toMatchObject({ code: 'ERR_SOCKET' });
  });

  it('reports a server that closes mid-handshake', async () => {
    const srv = await fakeServer(() => 'HTTP/1.1 101 Switching');
    const server = srv.url;
    const p = dial(server, { timeoutMs: 1000 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    for (const f of cleanup.splice(0).reverse()) await f();
    expect(await p).toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
  });

  it.each([
    ['ftp://x/', {}, 'ERR_INVALID_URL'],
    ['not a url', {}, 'ERR_INVALID_URL'],
    ['ws://x/#frag', {}, 'ERR_INVALID_URL'],
    ['ws://x/', { headers: { 'X-A': 'a\r\nEvil: 1' } }, 'ERR_INVALID_OPTION'],
    ['ws://x/', { headers: { 'Sec-WebSocket-Key': 'x' } }, 'ERR_INVALID_OPTION'],
    ['ws://x/', { protocols: ['a', 'a'] }, 'ERR_INVALID_OPTION'],
    ['ws://x/', { protocols: ['a b'] }, 'ERR_INVALID_OPTION'],
  ] as const)('refuses %s %j before connecting', async (url, opts, code) => {
    await expect(dial(url, opts)).rejects.toMatchObject({ code });
  });
});

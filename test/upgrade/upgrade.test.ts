import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { RejectError, renderHeaders, upgrade, type ExtensionOffer } from '../../src/upgrade/index.js';
import { afterRequest, exchange, MemSocket, rawServer, request, RFC_KEY, runMem, statusOf } from './helpers.js';

const RFC_101 =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';

describe('upgrade: success path', () => {
  it('answers the RFC 6455 example key with exactly these bytes, in one write', async () => {
    const o = await runMem([request()]);
    expect(o.ok).toBe(true);
    expect(o.socket.written).toHaveLength(1);
    expect(o.socket.output()).toBe(RFC_101);
  });

  it('hands back bytes after the request and leaves the socket paused without its listeners', async () => {
    const frame = Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x69, 0x6b]);
    const socket = new MemSocket();
    const before = { data: socket.listenerCount('data'), error: socket.listenerCount('error'), end: socket.listenerCount('end'), close: socket.listenerCount('close') };
    const p = upgrade(socket);
    socket.feed(Buffer.concat([Buffer.from(request(), 'latin1'), frame]), 'later');
    const r = await p;
    expect(r.head).toEqual(frame);
    expect(socket.isPaused()).toBe(true);
    expect({ data: socket.listenerCount('data'), error: socket.listenerCount('error'), end: socket.listenerCount('end'), close: socket.listenerCount('close') }).toEqual(before);
    const rest: Buffer[] = [];
    socket.on('data', (d: Buffer) => rest.push(d));
    socket.resume();
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(rest).toString()).toBe('later');
  });

  it('accepts case-insensitive names and values, token lists and bare-LF line ends', async () => {
    const text = 'GET / HTTP/1.1\nhOsT: a\nUPGRADE: WebSocket\nconnection: keep-alive, UPGRADE\nsec-websocket-key: ' + RFC_KEY + '\nSEC-WEBSOCKET-VERSION: 13\n\n';
    const o = await runMem([text]);
    expect(o.ok).toBe(true);
    expect(o.socket.output()).toBe(RFC_101);
  });

  it('ignores empty lines before the request line and accepts HTTP/1.2', async () => {
    const o = await runMem(['\r\n' + request({ version: 'HTTP/1.2' })]);
    expect(o.ok).toBe(true);
  });

  it('parses a request that arrives one byte at a time', async () => {
    const o = await runMem([...Buffer.from(request() + 'xy', 'latin1')].map((b) => Buffer.from([b])));
    expect(o.ok).toBe(true);
    if (o.ok) expect(await afterRequest(o.socket, o.result.head)).toBe('xy');
  });
});

describe('upgrade: validation', () => {
  const cases: [string, string, number, string][] = [
    ['POST', request({ method: 'POST' }), 405, 'ERR_METHOD'],
    ['lowercase method', request({ method: 'get' }), 405, 'ERR_METHOD'],
    ['HTTP/1.0', request({ version: 'HTTP/1.0' }), 505, 'ERR_HTTP_VERSION'],
    ['HTTP/2.0', request({ version: 'HTTP/2.0' }), 505, 'ERR_HTTP_VERSION'],
    ['missing Host', request({ omit: ['Host'] }), 400, 'ERR_MALFORMED'],
    ['two Host headers', request({ extra: ['Host: b'] }), 400, 'ERR_MALFORMED'],
    ['Upgrade not websocket', request({ omit: ['Upgrade'], extra: ['Upgrade: h2c'] }), 400, 'ERR_MALFORMED'],
    ['no Upgrade header (plain HTTP)', request({ omit: ['Upgrade'] }), 426, 'ERR_PLAIN_HTTP'],
    ['Connection without upgrade', request({ omit: ['Connection'], extra: ['Connection: keep-alive'] }), 400, 'ERR_MALFORMED'],
    ['missing Connection', request({ omit: ['Connection'] }), 400, 'ERR_MALFORMED'],
    ['missing key', request({ omit: ['Sec-WebSocket-Key'] }), 400, 'ERR_MALFORMED'],
    ['short key', request({ key: 'dGhlIHNhbXBsZQ==' }), 400, 'ERR_MALFORMED'],
    ['key with a bad character', request({ key: 'dGhlIHNhbXBsZSBub25jZ*==' }), 400, 'ERR_MALFORMED'],
    ['non-canonical key', request({ key: 'dGhlIHNhbXBsZSBub25jZR==' }), 400, 'ERR_MALFORMED'],
    ['two keys', request({ extra: [`Sec-WebSocket-Key: ${RFC_KEY}`] }), 400, 'ERR_MALFORMED'],
    ['missing version', request({ omit: ['Sec-WebSocket-Version'] }), 426, 'ERR_VERSION'],
    ['version 8', request({ omit: ['Sec-WebSocket-Version'], extra: ['Sec-WebSocket-Version: 8'] }), 426, 'ERR_VERSION'],
    ['two versions', request({ extra: ['Sec-WebSocket-Version: 13'] }), 400, 'ERR_MALFORMED'],
    ['request line without version', 'GET /chat\r\nHost: a\r\n\r\n', 400, 'ERR_MALFORMED'],
    ['request line with extra space', 'GET  /chat HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'ERR_MALFORMED'],
    ['garbage', '\x00\x01\x02\r\n\r\n', 400, 'ERR_MALFORMED'],
    ['header without colon', request({ extra: ['Origin'] }), 400, 'ERR_MALFORMED'],
    ['space before colon', request({ extra: ['Origin : x'] }), 400, 'ERR_MALFORMED'],
    ['obs-fold', request({ extra: ['Origin: x', ' folded'] }), 400, 'ERR_MALFORMED'],
    ['control byte in value', request({ extra: ['Origin: a\x01b'] }), 400, 'ERR_MALFORMED'],
    ['bad subprotocol list', request({ extra: ['Sec-WebSocket-Protocol: a b'] }), 400, 'ERR_MALFORMED'],
    ['repeated subprotocol', request({ extra: ['Sec-WebSocket-Protocol: a, a'] }), 400, 'ERR_MALFORMED'],
    ['subprotocol repeated across headers', request({ extra: ['Sec-WebSocket-Protocol: a', 'Sec-WebSocket-Protocol: b, a'] }), 400, 'ERR_MALFORMED'],
    ['bad extension list', request({ extra: ['Sec-WebSocket-Extensions: x; ="y"'] }), 400, 'ERR_MALFORMED'],
  ];

  it.each(cases)('%s -> %i', async (_name, text, status, code) => {
    const o = await runMem([text], { selectProtocol: (p) => p[0], negotiateExtensions: () => [] });
    expect(o.ok).toBe(false);
    if (o.ok) return;
    expect(o.error.status).toBe(status);
    expect(o.error.code).toBe(code);
    expect(o.error.responded).toBe(true);
    expect(statusOf(o.socket)).toBe(status);
    expect(o.socket.ended).toBe(true);
  });

  it('426 for a bad version names version 13', async () => {
    const o = await runMem([request({ omit: ['Sec-WebSocket-Version'], extra: ['Sec-WebSocket-Version: 7'] })]);
    expect(o.socket.output()).toMatch(/^HTTP\/1\.1 426 Upgrade Required\r\n[^]*Sec-WebSocket-Version: 13\r\n/);
  });

  it('405 carries Allow: GET and a plain-text reason with a correct Content-Length', async () => {
    const o = await runMem([request({ method: 'PUT' })]);
    const out = o.socket.output();
    expect(out).toContain('Allow: GET\r\n');
    const [head, body] = out.split('\r\n\r\n');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(body).toBe('Method must be GET');
  });

  it('431 past maxHeaders', async () => {
    const extra = Array.from({ length: 10 }, (_, i) => `X-${i}: y`);
    const o = await runMem([request({ extra })], { maxHeaders: 8 });
    expect(!o.ok && o.error.status).toBe(431);
  });

  it('431 past maxRequestBytes, whether the head is complete or not', async () => {
    const big = request({ extra: [`Cookie: ${'a'.repeat(20_000)}`] });
    const whole = await runMem([big]);
    expect(!whole.ok && whole.error.status).toBe(431);
    const partial = await runMem([big.slice(0, 9000), big.slice(9000, 17000)]);
    expect(!partial.ok && partial.error.status).toBe(431);
    const small = await runMem([request({ extra: ['Cookie: ' + 'a'.repeat(400)] })], { maxRequestBytes: 256 });
    expect(!small.ok && small.error.status).toBe(431);
  });

  it('plainHttp: release hands back every byte read and leaves the socket open', async () => {
    const text = 'GET /index.html HTTP/1.1\r\nHost: a\r\n\r\nmore';
    const o = await runMem([text], { plainHttp: 'release' });
    expect(o.ok).toBe(false);
    if (o.ok) return;
    expect(o.error.code).toBe('ERR_PLAIN_HTTP');
    expect(o.error.responded).toBe(false);
    expect(o.error.head.toString('latin1')).toBe(text);
    expect(o.socket.written).toHaveLength(0);
    expect(o.socket.destroyed).toBe(false);
  });

  it('refuses a socket with a string encoding, destroying it', async () => {
    const socket = new MemSocket();
    socket.setEncoding('utf8');
    const p = upgrade(socket);
    socket.feed(request());
    await expect(p).rejects.toMatchObject({ code: 'ERR_SOCKET_ENCODING', status: 0 });
    expect(socket.destroyed).toBe(true);
  });
});

describe('upgrade: hooks', () => {
  it('passes the URI, Host and non-WebSocket headers as views', async () => {
    const seen: string[] = [];
    const o = await runMem([request({ path: '/a?b=1', extra: ['Origin: http://x', 'Cookie: c=1', 'Sec-WebSocket-Protocol: p'] })], {
      onRequest: (uri) => seen.push(`uri ${uri.toString()}`),
      onHost: (host) => seen.push(`host ${host.toString()}`),
      onHeader: (name, value) => seen.push(`${name.toString()}=${value.toString()}`),
    });
    expect(o.ok).toBe(true);
    expect(seen).toEqual(['uri /a?b=1', 'host example.com', 'Origin=http://x', 'Cookie=c=1']);
  });

  it('a RejectError from any hook decides the answer', async () => {
    const reject = () => {
      throw new RejectError(403, 'Forbidden origin', { 'X-Why': 'origin' });
    };
    for (const hook of ['onRequest', 'onHost', 'onHeader', 'onBeforeUpgrade', 'selectProtocol', 'negotiateExtensions'] as const) {
      const o = await runMem([request({ extra: ['Origin: x', 'Sec-WebSocket-Protocol: p', 'Sec-WebSocket-Extensions: e'] })], { [hook]: reject });
      expect(o.ok, hook).toBe(false);
      if (o.ok) continue;
      expect(o.error).toMatchObject({ status: 403, code: 'ERR_REJECTED' });
      expect(o.socket.output()).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n[^]*X-Why: origin\r\n\r\nForbidden origin$/);
    }
  });

  it('a rejection wins over a plain HTTP request, and hooks stop after it', async () => {
    let headers = 0;
    const o = await runMem(['GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n'], {
      onHeader: () => {
        headers++;
        throw new RejectError(401, 'no');
      },
    });
    expect(!o.ok && o.error.status).toBe(401);
    expect(headers).toBe(1);
  });

  it('any other exception becomes a 500 with the cause kept', async () => {
    const boom = new Error('boom');
    const o = await runMem([request()], {
      onHost: () => {
        throw boom;
      },
    });
    expect(!o.ok && o.error).toMatchObject({ status: 500, code: 'ERR_HOOK_FAILED', cause: boom });
    expect(statusOf(o.socket)).toBe(500);
  });

  it('an invalid rejection status becomes 500', async () => {
    const o = await runMem([request()], {
      onBeforeUpgrade: () => {
        throw new RejectError(101, 'nope');
      },
    });
    expect(statusOf(o.socket)).toBe(500);
  });

  it('onBeforeUpgrade adds headers (record or pre-rendered), also asynchronously', async () => {
    const sync = await runMem([request()], { headers: renderHeaders({ Server: 'zwire' }), onBeforeUpgrade: () => ({ headers: { 'Set-Cookie': ['a=1', 'b=2'] } }) });
    expect(sync.socket.output()).toBe(RFC_101.replace(/\r\n$/, 'Server: zwire\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n'));
    const asyncOk = await runMem([request()], { onBeforeUpgrade: async () => ({ headers: { 'X-A': '1' } }) });
    expect(asyncOk.socket.output()).toContain('X-A: 1\r\n');
    const asyncNo = await runMem([request()], {
      onBeforeUpgrade: async () => {
        throw new RejectError(401, 'who are you');
      },
    });
    expect(!asyncNo.ok && asyncNo.error.status).toBe(401);
  });

  it('header injection through a header record is refused with 500', async () => {
    const o = await runMem([request()], { onBeforeUpgrade: () => ({ headers: { 'X-A': 'a\r\nSet-Cookie: evil=1' } }) });
    expect(!o.ok && o.error).toMatchObject({ status: 500, code: 'ERR_INVALID_HEADERS' });
    expect(o.socket.output()).not.toContain('evil');
  });
});

describe('upgrade: negotiation', () => {
  it('selects a subprotocol from all offered headers, in order', async () => {
    let offered: readonly string[] = [];
    const o = await runMem([request({ extra: ['Sec-WebSocket-Protocol: a, b', 'Sec-WebSocket-Protocol: c'] })], {
      selectProtocol: (p) => {
        offered = p;
        return 'b';
      },
    });
    expect(offered).toEqual(['a', 'b', 'c']);
    expect(o.ok && o.result.protocol).toBe('b');
    expect(o.socket.output()).toContain('\r\nSec-WebSocket-Protocol: b\r\n');
  });

  it('selects none without selectProtocol or when it returns null', async () => {
    const none = await runMem([request({ extra: ['Sec-WebSocket-Protocol: a'] })]);
    expect(none.ok && none.result.protocol).toBe(null);
    expect(none.socket.output()).not.toContain('Sec-WebSocket-Protocol');
    const declined = await runMem([request({ extra: ['Sec-WebSocket-Protocol: a'] })], { selectProtocol: () => null });
    expect(declined.ok && declined.result.protocol).toBe(null);
  });

  it('a subprotocol that was not offered is a server error (500)', async () => {
    const o = await runMem([request({ extra: ['Sec-WebSocket-Protocol: a'] })], { selectProtocol: () => 'z' });
    expect(!o.ok && o.error).toMatchObject({ status: 500, code: 'ERR_PROTOCOL_NOT_OFFERED' });
  });

  it('negotiates extensions over parsed offers and writes the responses', async () => {
    let got: ExtensionOffer[] = [];
    const o = await runMem(
      [request({ extra: ['Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-foo; a="1"', 'Sec-WebSocket-Extensions: permessage-deflate; a=1; a=2'] })],
      {
        negotiateExtensions: (offers) => {
          got = offers;
          return [{ name: 'permessage-deflate', params: new Map<string, string | true>([['server_no_context_takeover', true], ['client_max_window_bits', '10']]) }];
        },
      },
    );
    expect(got.map((x) => [x.name, [...x.params]])).toEqual([
      ['permessage-deflate', [['client_max_window_bits', true]]],
      ['x-foo', [['a', '1']]],
    ]);
    expect(o.ok && o.result.extensions.map((x) => x.name)).toEqual(['permessage-deflate']);
    expect(o.socket.output()).toContain('\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_max_window_bits=10\r\n');
  });

  it('an extension response that was not offered, or repeated, is a 500', async () => {
    const unoffered = await runMem([request({ extra: ['Sec-WebSocket-Extensions: a'] })], { negotiateExtensions: () => [{ name: 'b', params: new Map() }] });
    expect(!unoffered.ok && unoffered.error.code).toBe('ERR_EXTENSION_NOT_OFFERED');
    const twice = await runMem([request({ extra: ['Sec-WebSocket-Extensions: a'] })], {
      negotiateExtensions: () => [{ name: 'a', params: new Map() }, { name: 'a', params: new Map() }],
    });
    expect(!twice.ok && twice.error.status).toBe(500);
  });

  it('no extension header means negotiateExtensions is not called', async () => {
    let called = false;
    const o = await runMem([request()], {
      negotiateExtensions: () => {
        called = true;
        return [];
      },
    });
    expect(o.ok).toBe(true);
    expect(called).toBe(false);
  });
});

describe('upgrade: endings on real sockets', () => {
  it('drops a client sending one byte per 100 ms at the handshake timeout', async () => {
    const srv = await rawServer({ timeoutMs: 300 });
    const c = net.connect(srv.port, '127.0.0.1');
    c.on('error', () => {});
    const text = request();
    let i = 0;
    const drip = setInterval(() => {
      if (!c.destroyed && i < text.length) c.write(text[i++]);
    }, 100);
    const closed = new Promise<void>((r) => c.on('close', () => r()));
    const started = Date.now();
    await expect(new Promise((res, rej) => setTimeout(() => srv.outcomes[0].then(res, rej), 50))).rejects.toMatchObject({
      code: 'ERR_HANDSHAKE_TIMEOUT',
      status: 0,
    });
    await closed;
    clearInterval(drip);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(i).toBeLessThan(text.length);
    await srv.close();
  });

  it('drops a client that connects and sends nothing', async () => {
    const srv = await rawServer({ timeoutMs: 200 });
    const res = await exchange(srv.port, [], 3000);
    expect(res.data).toBe('');
    await expect(srv.outcomes[0]).rejects.toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT', status: 0 });
    await srv.close();
  });

  it('an oversized request gets 431 and the connection is closed', async () => {
    const srv = await rawServer();
    const res = await exchange(srv.port, [request({ extra: [`Cookie: ${'x'.repeat(30_000)}`] })]);
    expect(res.data).toMatch(/^HTTP\/1\.1 431 /);
    expect(res.closedByServer).toBe(true);
    await expect(srv.outcomes[0]).rejects.toMatchObject({ status: 431, responded: true });
    await srv.close();
  });

  it('a client that disconnects mid-request ends in a destroyed socket', async () => {
    const srv = await rawServer();
    const c = net.connect(srv.port, '127.0.0.1');
    c.end('GET / HTTP/1.1\r\nHost: a\r\n');
    await new Promise((r) => c.on('close', r));
    await expect(srv.outcomes[0]).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED', status: 0 });
    await srv.close();
  });

  it('a rejected client receives the whole response before the close', async () => {
    const srv = await rawServer();
    const res = await exchange(srv.port, [request({ method: 'POST' }), 'trailing bytes the server never reads']);
    expect(res.data).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n[^]*\r\n\r\nMethod must be GET$/);
    expect(res.closedByServer).toBe(true);
    await srv.close();
  });

  it('an already destroyed socket is reported, not waited on', async () => {
    const socket = new MemSocket();
    socket.destroy();
    await expect(upgrade(socket)).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED', status: 0 });
  });
});

import { describe, expect, it } from 'vitest';
import { RejectError, UpgradeError } from '../../src/upgrade/errors.js';
import { answerConnect, type RequestHeaderList } from '../../src/upgrade/extended-connect.js';
import { connectRequest } from '../../src/upgrade/connect-request.js';
import { renderHeaders } from '../../src/upgrade/response.js';

const request = (extra: RequestHeaderList = {}): RequestHeaderList => ({
  ':method': 'CONNECT',
  ':protocol': 'websocket',
  ':scheme': 'https',
  ':path': '/chat?x=1',
  ':authority': 'example.com',
  'sec-websocket-version': '13',
  ...extra,
});

describe('answerConnect (RFC 8441 server side, no stream)', () => {
  it('calls the hooks with :path, :authority and the other headers, and negotiates', async () => {
    const seen: string[] = [];
    const a = await answerConnect(request({ 'sec-websocket-protocol': 'a, b', 'sec-websocket-extensions': 'x-ext; p=1', origin: 'https://o' }), {
      onRequest: (uri) => seen.push(`path ${uri.toString()}`),
      onHost: (host) => seen.push(`host ${host.toString()}`),
      onHeader: (name, value) => seen.push(`${name.toString()}: ${value.toString()}`),
      selectProtocol: (offered) => offered[1],
      negotiateExtensions: (offers) => offers.map((o) => ({ name: o.name, params: new Map() })),
      headers: renderHeaders({ 'X-Served-By': 'zwire', Connection: 'keep-alive' }),
      onBeforeUpgrade: () => ({ headers: { 'x-late': '1' } }),
    });
    expect(seen).toEqual(['path /chat?x=1', 'host example.com', 'origin: https://o']);
    expect(a.ok).toBe(true);
    expect(a.headers).toEqual({
      ':status': 200,
      'x-served-by': 'zwire',
      'x-late': '1',
      'sec-websocket-protocol': 'b',
      'sec-websocket-extensions': 'x-ext',
    });
  });

  it('refuses with 405, 400, 501 and the statuses hooks choose; a hook bug is a 500', async () => {
    const status = async (h: RequestHeaderList, o = {}): Promise<number> => {
      const a = await answerConnect(h, o);
      if (a.ok) return 200;
      expect(a.error).toBeInstanceOf(UpgradeError);
      expect(a.error.status).toBe(a.headers[':status']);
      return a.error.status;
    };
    expect(await status(request({ ':method': 'GET' }))).toBe(405);
    expect(await status(request({ ':protocol': undefined }))).toBe(400);
    expect(await status(request({ ':protocol': 'connect-udp' }))).toBe(501);
    expect(await status(request({ ':authority': undefined }))).toBe(400);
    expect(await status(request({ 'sec-websocket-version': '12' }))).toBe(400);
    expect(await status(request({ 'sec-websocket-protocol': 'a b' }), { selectProtocol: () => null })).toBe(400);
    expect(await status(request(), { onHost: () => { throw new RejectError(421, 'wrong host'); } })).toBe(421);
    expect(await status(request(), { onBeforeUpgrade: () => Promise.reject(new RejectError(401)) })).toBe(401);
    expect(await status(request({ 'sec-websocket-protocol': 'a' }), { selectProtocol: () => 'z' })).toBe(500);
    expect(await status(request(), { onRequest: () => { throw new Error('bug'); } })).toBe(500);
  });
});

describe('connectRequest (RFC 8441 client side, no session)', () => {
  it('builds the extended CONNECT headers and the origin of the session', () => {
    const t = connectRequest('wss://user:pw@example.com/chat?room=1', { protocols: ['a', 'b'], headers: { 'X-Token': 't' }, origin: 'https://o' });
    expect(t.origin).toBe('https://example.com:443');
    expect(t.headers).toEqual({
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':scheme': 'https',
      ':path': '/chat?room=1',
      ':authority': 'example.com',
      'sec-websocket-version': '13',
      'x-token': 't',
      origin: 'https://o',
      authorization: `Basic ${Buffer.from('user:pw').toString('base64')}`,
      'sec-websocket-protocol': 'a, b',
    });
    expect(connectRequest('ws://127.0.0.1:81/', {}).origin).toBe('http://127.0.0.1:81');
    expect(() => connectRequest('ftp://x/', {})).toThrow(/scheme/);
    expect(() => connectRequest('ws://x/', { headers: { ':path': '/' } })).toThrow(/set by the handshake/);
    expect(() => connectRequest('ws://x/', { protocols: ['a', 'a'] })).toThrow(/repeated/);
  });
});

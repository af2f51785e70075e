/**
 * Connection parameters in-band (the Hello), refusals that reach the client
 * as UNAUTHORIZED/FORBIDDEN and stop its retries, and server-side expiry that
 * the client turns into refresh-and-reconnect. Real sockets on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, webSocketTransport, zwireTransport, type ClientOptions, type RpcClient, type TransportFactory } from '../../src/client/index.js';
import type { ConnectionInfo } from '../../src/server/connection-info.js';
import { createServer, type RpcServer, type ServerOptions } from '../../src/server/rpc-server.js';
import { RpcError } from '../../src/rpc/errors.js';
import { Probe, rejection, testHandlers, testService, until } from './fixture.js';

type Ctx = { user: string };
type Methods = (typeof testService)['methods'];
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** What the context hook saw, in order. */
interface Seen {
  paths: string[];
  params: Record<string, string>[];
  events: string[];
}

async function serve(hook: (info: ConnectionInfo, seen: Seen) => Ctx | Promise<Ctx>, options: ServerOptions<Ctx> = {}): Promise<{ server: RpcServer<Methods, Ctx>; url: string; seen: Seen }> {
  const seen: Seen = { paths: [], params: [], events: [] };
  const handlers = testHandlers(new Probe());
  const server = createServer(
    testService,
    {
      ...handlers,
      whoami: (input, ctx) => {
        seen.events.push(`whoami:${ctx.conn.user}`);
        return handlers.whoami(input, ctx);
      },
    },
    {
      context: (info: ConnectionInfo) => {
        seen.paths.push(info.path);
        seen.params.push({ ...info.params });
        return hook(info, seen);
      },
      ...options,
    },
  );
  const { port } = await server.listen({ port: 0 });
  cleanup.push(() => server.close());
  return { server, url: `ws://127.0.0.1:${port}/rpc`, seen };
}

function client(url: string, options: ClientOptions = {}): RpcClient<Methods> {
  const c = createClient(testService, url, { heartbeatMs: 0, ...options });
  cleanup.push(() => c.close());
  return c;
}

function byToken(info: ConnectionInfo): Ctx {
  const token = info.params.token;
  if (token === 'forbidden') throw new RpcError('FORBIDDEN', 'not for you');
  if (token === undefined || !token.startsWith('secret')) throw new RpcError('UNAUTHORIZED', 'bad token');
  return { user: token };
}

/** A raw client: opens `url` offering the JSON subprotocol and collects what the server sends and how it closes. */
function raw(url: string): Promise<{ ws: WebSocket; got: string[]; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(url, 'zwire.rpc.v1.json');
  const got: string[] = [];
  ws.on('message', (d) => got.push(String(d)));
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: String(reason) })));
  cleanup.push(async () => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, got, closed }));
    ws.once('error', reject);
  });
}

describe.each([
  ['zwire', {}],
  ['ws WebSocket', { WebSocket }],
] as [string, ClientOptions][])('in-band connection parameters (%s)', (_name, transport) => {
  it('sends params in the first message, not in the URL; the query string is still accepted', async () => {
    const { url, seen } = await serve(byToken);
    expect(await client(url, { ...transport, params: { token: 'secret-1', room: 'a b' } }).whoami()).toEqual({ user: 'secret-1' });
    expect(seen.paths[0]).toBe('/rpc?zwire-hello=1');
    expect(seen.params[0]).toEqual({ token: 'secret-1', room: 'a b' });
    expect(await client(`${url}?token=secret-q`, transport).whoami()).toEqual({ user: 'secret-q' });
    expect(seen.params[1]).toEqual({ token: 'secret-q' });
    // in-band parameters win over the query's
    expect(await client(`${url}?token=secret-q`, { ...transport, params: { token: 'secret-b' } }).whoami()).toEqual({ user: 'secret-b' });
  });

  it.each(['UNAUTHORIZED', 'FORBIDDEN'] as const)('a refusal (%s) fails every pending call with its code and stops retrying', async (code) => {
    let attempts = 0;
    const { url } = await serve((info) => {
      attempts++;
      return byToken(info);
    });
    const c = client(url, { ...transport, params: { token: code === 'FORBIDDEN' ? 'forbidden' : 'wrong' }, reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    const errors: unknown[] = [];
    c.on('error', (e) => errors.push(e));
    const calls = [c.whoami(), c.greet({ name: 'x' }), c.slow({ ms: 10 })].map(rejection);
    const stream = rejection((async () => {
      for await (const _ of c.count({ to: 3 })) void _;
    })());
    for (const err of await Promise.all([...calls, stream])) expect(err.code).toBe(code);
    expect(c.state).toBe('closed');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code });
    await new Promise((r) => setTimeout(r, 200));
    expect(attempts).toBe(1);
    expect((await rejection(c.whoami())).code).toBe(code); // a later call fails with the reason the client closed
  });

  it('calls wait for the context hook: nothing is admitted before it accepted the connection', async () => {
    const { url, seen } = await serve(async (info, s) => {
      s.events.push('hook:start');
      await new Promise((r) => setTimeout(r, 200));
      s.events.push('hook:end');
      return byToken(info);
    });
    const c = client(url, { ...transport, params: { token: 'secret' } });
    const states: string[] = [];
    c.on('state', (s) => states.push(s));
    expect(await c.whoami()).toEqual({ user: 'secret' });
    expect(seen.events).toEqual(['hook:start', 'hook:end', 'whoami:secret']);
    expect(states).toEqual(['open']);
  });

  it('closes at the expiry the hook set (4440); the client fetches fresh params and reconnects at once', async () => {
    let issued = 0;
    const { url, seen } = await serve((info) => {
      if (info.params.token === 'secret-1') info.expireAt(Date.now() + 1000); // the refreshed token does not expire
      return byToken(info);
    });
    // a long backoff: only the immediate reconnect after 4440 can make it in time
    const c = client(url, { ...transport, params: async () => ({ token: `secret-${++issued}` }), reconnect: { initialDelayMs: 20_000, maxDelayMs: 20_000 } });
    expect(await c.whoami()).toEqual({ user: 'secret-1' });
    await until(() => issued === 2 && c.state === 'open', 5000);
    expect(await c.whoami()).toEqual({ user: 'secret-2' });
    expect(seen.params.map((p) => p.token)).toEqual(['secret-1', 'secret-2']);
  });
});

describe.each([
  ['zwireTransport', (url: string) => zwireTransport(url)],
  ['webSocketTransport', (url: string) => webSocketTransport(url, WebSocket)],
] as [string, (url: string) => TransportFactory][])('in-band connection parameters over a custom transport (%s)', (_name, make) => {
  it('sends params in the first message, the query string beside them; a refusal stops the retries', async () => {
    let issued = 0;
    const { url, seen } = await serve(byToken);
    const c = client(url, { transport: make(`${url}?room=a`), params: async () => ({ token: `secret-${++issued}` }) });
    expect(await c.whoami()).toEqual({ user: 'secret-1' });
    expect(seen.paths[0]).toBe('/rpc?room=a&zwire-hello=1');
    expect(seen.params[0]).toEqual({ room: 'a', token: 'secret-1' });
    const refused = client(url, { transport: make(url), params: { token: 'wrong' }, reconnect: { initialDelayMs: 10 } });
    expect((await rejection(refused.whoami())).code).toBe('UNAUTHORIZED');
    expect(refused.state).toBe('closed');
  });
});

describe('in-band admission at the server', () => {
  it('refuses an expiry already past with UNAUTHORIZED', async () => {
    const { url } = await serve((info) => {
      info.expireAt(new Date(Date.now() - 1));
      return byToken(info);
    });
    const c = client(url, { params: { token: 'secret' } });
    expect((await rejection(c.whoami())).code).toBe('UNAUTHORIZED');
    expect(c.state).toBe('closed');
  });

  it('answers a client that pipelines its calls after the Hello only once accepted, in order', async () => {
    const { url } = await serve(async (info) => {
      await new Promise((r) => setTimeout(r, 100));
      return byToken(info);
    });
    const { got, ws } = await raw(`${url}?zwire-hello=1`);
    ws.send('[26,{"token":"secret-raw"}]');
    ws.send('[1,1,"whoami"]');
    ws.send('[1,2,"greet",{"name":"b"}]');
    await until(() => got.length === 3, 5000);
    expect(got).toEqual(['[27]', '[11,1,{"user":"secret-raw"}]', '[11,2,{"message":"hello b"}]']);
  });

  it('refuses in-band with an Error envelope and close code 4401/4403', async () => {
    const { url } = await serve(byToken);
    const a = await raw(`${url}?zwire-hello=1`);
    a.ws.send('[26,{"token":"nope"}]');
    expect(await a.closed).toEqual({ code: 4401, reason: 'UNAUTHORIZED' });
    expect(a.got).toEqual(['[12,0,"UNAUTHORIZED","bad token"]']);
    const b = await raw(`${url}?zwire-hello=1`);
    b.ws.send('[26,{"token":"forbidden"}]');
    expect((await b.closed).code).toBe(4403);
  });

  it('closes with 4400 when the first message is not a Hello, and 4408 when none comes in time', async () => {
    const { url, seen } = await serve(byToken, { handshakeTimeoutMs: 200 });
    const a = await raw(`${url}?zwire-hello=1`);
    a.ws.send('[1,1,"whoami"]');
    expect((await a.closed).code).toBe(4400);
    expect(a.got).toEqual(['[12,0,"BAD_REQUEST","the first message must be a Hello"]']);
    const b = await raw(`${url}?zwire-hello=1`);
    b.ws.send('[26,{"token":1}]');
    expect((await b.closed).code).toBe(4400);
    const c = await raw(`${url}?zwire-hello=1`);
    expect((await c.closed).code).toBe(4408);
    expect(seen.paths).toEqual([]);
  });

  it('closes with 4408 when the hook has not returned within the handshake time limit', async () => {
    const { url } = await serve(() => new Promise<Ctx>(() => undefined), { handshakeTimeoutMs: 200 });
    const a = await raw(`${url}?zwire-hello=1`);
    a.ws.send('[26,{"token":"secret"}]');
    a.ws.send('[1,1,"whoami"]');
    expect(await a.closed).toEqual({ code: 4408, reason: 'not accepted in time' });
    expect(a.got).toEqual([]);
  });

  it('without the marker the hook runs at the handshake: a refusal is an HTTP 401, an expiry closes with 4440', async () => {
    const { url } = await serve((info) => {
      info.expireAt(Date.now() + 1000);
      return byToken(info);
    });
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${url}?token=wrong`, 'zwire.rpc.v1.json');
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(401);
    const ok = await raw(`${url}?token=secret`);
    ok.ws.send('[1,1,"whoami"]');
    expect(await ok.closed).toEqual({ code: 4440, reason: 'connection parameters expired' });
    expect(ok.got).toEqual(['[11,1,{"user":"secret"}]']);
  });
});

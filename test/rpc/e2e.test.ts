import * as http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createClient, type ClientOptions, type RpcClient } from '../../src/client/index.js';
import { createServer, type RpcServer, type ServerOptions } from '../../src/server/rpc-server.js';
import { RpcError } from '../../src/rpc/errors.js';
import { Probe, rejection, testHandlers, testService, until } from './fixture.js';

type Ctx = { user: string };
type Methods = (typeof testService)['methods'];
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function serve(options: ServerOptions<Ctx> = {}, port = 0): Promise<{ server: RpcServer<Methods, Ctx>; probe: Probe; url: string }> {
  const probe = new Probe();
  const server = createServer(testService, testHandlers(probe), { context: () => ({ user: 'ada' }), ...options });
  const { port: bound } = await server.listen({ port });
  cleanup.push(() => server.close());
  return { server, probe, url: `ws://127.0.0.1:${bound}/rpc` };
}

function client(url: string, options: ClientOptions = {}): RpcClient<Methods> {
  const c = createClient(testService, url, { heartbeatMs: 0, ...options });
  cleanup.push(() => c.close());
  return c;
}

const transports: [string, ClientOptions][] = [
  ['zwire json', { codec: 'json' }],
  ['zwire msgpack', { codec: 'msgpack' }],
  ['ws WebSocket json', { codec: 'json', WebSocket }],
  ['ws WebSocket msgpack', { codec: 'msgpack', WebSocket }],
  ['zwire msgpack + deflate', { codec: 'msgpack', deflate: true }],
];

describe.each(transports)('RPC end to end over 127.0.0.1 (%s)', (_name, options) => {
  it('serves unary calls, streams, client streams and notifications', async () => {
    const { url, probe } = await serve({ deflate: true });
    const c = client(url, options);
    const many = await Promise.all(Array.from({ length: 100 }, (_, i) => c.greet({ name: `n${i}` })));
    expect(many[99]).toEqual({ message: 'hello n99' });
    expect(await c.whoami()).toEqual({ user: 'ada' });
    const got: number[] = [];
    for await (const { n } of c.count({ to: 500 })) got.push(n);
    expect(got.length).toBe(500);
    expect(got[499]).toBe(500);
    expect(await c.sum(Array.from({ length: 300 }, (_, i) => ({ n: i })))).toEqual({ total: 44850, count: 300 });
    await c.log({ line: 'hi' });
    await until(() => probe.logs.length === 1);
    const err = await rejection(c.greet({ name: 1 as unknown as string }));
    expect(err.code).toBe('BAD_REQUEST');
  });

  it('carries cancellation to the handler (abort signal and early loop exit)', async () => {
    const { url, probe } = await serve();
    const c = client(url, options);
    const ac = new AbortController();
    const p = c.slow({ ms: 10_000 }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 30);
    expect((await rejection(p)).code).toBe('CANCELLED');
    await until(() => probe.aborted.includes('slow:CANCELLED'));
    let n = 0;
    for await (const _ of c.ticks({})) if (++n === 100) break;
    await until(() => probe.aborted.includes('ticks:CANCELLED'));
  });
});

describe('RPC end to end: codecs', () => {
  it('serves JSON and msgpack clients from one server at once', async () => {
    const { url } = await serve();
    const j = client(url, { codec: 'json' });
    const m = client(url, { codec: 'msgpack' });
    expect(await Promise.all([j.greet({ name: 'json' }), m.greet({ name: 'msgpack' })])).toEqual([
      { message: 'hello json' },
      { message: 'hello msgpack' },
    ]);
  });

  it('keeps Uint8Array through msgpack over a real socket', async () => {
    const { url } = await serve();
    const c = client(url, { codec: 'msgpack' });
    const data = new Uint8Array(70_000).map((_, i) => i & 255);
    const r = await c.echoBytes({ data });
    expect(r.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.compare(Buffer.from(r.data), Buffer.from(data))).toBe(0);
  });

  it('refuses a handshake without an RPC subprotocol, and serves a JSON-only server to JSON clients only', async () => {
    const { url } = await serve({ codecs: ['json'] });
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(url, ['something.else']);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(400);
    const c = client(url, { codec: 'msgpack', reconnect: false });
    expect((await rejection(c.greet({ name: 'x' }))).code).toBe('UNAVAILABLE');
    const j = client(url, { codec: 'json' });
    expect(await j.greet({ name: 'x' })).toEqual({ message: 'hello x' });
  });
});

describe('RPC end to end: connection context', () => {
  const auth: ServerOptions<Ctx> = {
    context: ({ params, headers }) => {
      const token = params.token ?? headers['x-token'];
      if (token !== 'secret') throw new RpcError('UNAUTHORIZED', 'bad token');
      return { user: 'token-holder' };
    },
  };

  it('builds ctx from connection params or headers', async () => {
    const { url } = await serve(auth);
    expect(await client(url, { params: { token: 'secret' } }).whoami()).toEqual({ user: 'token-holder' });
    expect(await client(url, { headers: { 'x-token': 'secret' } }).whoami()).toEqual({ user: 'token-holder' });
    let fetched = 0;
    const fresh = client(url, {
      params: async () => {
        fetched++;
        return { token: 'secret' };
      },
    });
    expect(await fresh.whoami()).toEqual({ user: 'token-holder' });
    expect(fetched).toBe(1);
  });

  it('refuses the connection in-band and the client fails with UNAUTHORIZED', async () => {
    const { url } = await serve(auth);
    const c = client(url, { params: { token: 'wrong' } });
    expect((await rejection(c.whoami())).code).toBe('UNAUTHORIZED');
    expect(c.state).toBe('closed');
  });

  it('works through handleUpgrade on a node:http server', async () => {
    const probe = new Probe();
    const rpc = createServer(testService, testHandlers(probe), { context: () => ({ user: 'http' }) });
    const httpServer = http.createServer((_req, res) => res.end('plain'));
    httpServer.on('upgrade', (req, socket, head) => void rpc.handleUpgrade(req, socket, head));
    await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => httpServer.close(r)), () => rpc.close());
    const port = (httpServer.address() as { port: number }).port;
    const c = client(`ws://127.0.0.1:${port}/`, { codec: 'msgpack' });
    expect(await c.whoami()).toEqual({ user: 'http' });
  });

  it('refuses a handshake through handleUpgrade when the context hook throws', async () => {
    const rpc = createServer(testService, testHandlers(new Probe()), auth);
    const httpServer = http.createServer();
    httpServer.on('upgrade', (req, socket, head) => void rpc.handleUpgrade(req, socket, head));
    await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => httpServer.close(r)), () => rpc.close());
    const port = (httpServer.address() as { port: number }).port;
    const refused = client(`ws://127.0.0.1:${port}/`, { params: { token: 'nope' } });
    expect((await rejection(refused.whoami())).code).toBe('UNAUTHORIZED');
    const allowed = client(`ws://127.0.0.1:${port}/`, { params: { token: 'secret' } });
    expect(await allowed.whoami()).toEqual({ user: 'token-holder' });
  });
});

describe.each([
  ['zwire', {}],
  ['ws WebSocket', { WebSocket }],
] as [string, ClientOptions][])('RPC end to end: reconnect (%s)', (_name, transport) => {
  it('reconnects after the server dies and restarts on the same port; in-flight calls fail with UNAVAILABLE', async () => {
    const first = await serve();
    const port = Number(new URL(first.url).port);
    const c = client(first.url, { codec: 'msgpack', reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, ...transport });
    expect(await c.greet({ name: 'before' })).toEqual({ message: 'hello before' });
    const inflight = rejection(c.slow({ ms: 10_000 }));
    await new Promise((r) => setTimeout(r, 20));
    await first.server.close();
    expect((await inflight).code).toBe('UNAVAILABLE');
    const queued = c.greet({ name: 'during' });
    await new Promise((r) => setTimeout(r, 150));
    expect(c.state).toBe('reconnecting');
    await serve({}, port);
    expect(await queued).toEqual({ message: 'hello during' });
    expect(await c.greet({ name: 'after' })).toEqual({ message: 'hello after' });
  });
});

describe('RPC end to end: resilience', () => {
  it('resumes a resumable stream across a server restart', async () => {
    const first = await serve();
    const port = Number(new URL(first.url).port);
    const c = client(first.url, { codec: 'json', reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    const seqs: number[] = [];
    let second: Awaited<ReturnType<typeof serve>> | null = null;
    for await (const { seq } of c.feed({})) {
      seqs.push(seq);
      if (seq === 10) {
        await first.server.close();
        second = await serve({}, port);
      }
      if (seqs.length === 40) break;
    }
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(Number(second!.probe.lastEventIds[0])).toBeGreaterThanOrEqual(10);
  });
});

describe('RPC end to end: flow control and limits', () => {
  it('keeps a fast producer within the credit window of a slow consumer', async () => {
    const { url, probe } = await serve();
    const c = client(url, { codec: 'msgpack', streamWindow: 16 });
    let consumed = 0;
    let maxAhead = 0;
    for await (const _ of c.ticks({})) {
      consumed++;
      maxAhead = Math.max(maxAhead, probe.produced - consumed);
      await new Promise((r) => setTimeout(r, 1));
      if (consumed === 100) break;
    }
    expect(maxAhead).toBeLessThanOrEqual(16 + 1);
  });

  it('feeds every stream when several consume at full speed', async () => {
    const { url } = await serve();
    const clients = Array.from({ length: 4 }, () => client(url, { codec: 'msgpack' }));
    const counts = clients.map(() => 0);
    const streams = clients.map((c) => c.count({ to: 1e9 }));
    const loops = streams.map(async (s, i) => {
      for await (const _ of s) counts[i]++;
    });
    await new Promise((r) => setTimeout(r, 300));
    for (const s of streams) s.cancel();
    await Promise.all(loops);
    expect(Math.min(...counts)).toBeGreaterThan(0);
  });

  it('answers limit violations with typed errors and keeps the connection', async () => {
    const { url, server } = await serve({ limits: { maxInFlight: 4, maxStreams: 1, maxMessageSize: 4096 } });
    const c = client(url, { codec: 'json' });
    const slow = Array.from({ length: 4 }, () => c.slow({ ms: 100 }));
    expect((await rejection(c.greet({ name: 'x' }))).code).toBe('TOO_MANY_REQUESTS');
    await Promise.all(slow);
    const s = c.ticks({});
    await s.next();
    expect((await rejection(c.count({ to: 1 }).next())).code).toBe('TOO_MANY_REQUESTS');
    await s.return();
    expect((await rejection(c.greet({ name: 'y'.repeat(10_000) }))).code).toBe('PAYLOAD_TOO_LARGE');
    expect((await rejection(c.big({ size: 10_000 }))).code).toBe('PAYLOAD_TOO_LARGE');
    expect(await c.greet({ name: 'still here' })).toEqual({ message: 'hello still here' });
    expect(server.connections).toBe(1);
  });
});

describe('RPC end to end: heartbeats', () => {
  it('drops a connection whose server stopped answering and reconnects', async () => {
    // a server that completes the handshake and then never says anything
    const silent = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (p) => [...p][0] ?? false });
    let connections = 0;
    silent.on('connection', (ws) => {
      connections++;
      ws.once('message', () => ws.send('[27]')); // accepts the client's Hello, then says nothing
    });
    await new Promise((r) => silent.once('listening', r));
    cleanup.push(() => new Promise((r) => silent.close(r)));
    const port = (silent.address() as { port: number }).port;
    const c = client(`ws://127.0.0.1:${port}`, { heartbeatMs: 40, reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.message));
    await c.ready();
    const pending = rejection(c.greet({ name: 'lost' }));
    await until(() => connections >= 2);
    expect((await pending).code).toBe('UNAVAILABLE');
    expect(errors.some((m) => m.includes('heartbeat'))).toBe(true);
    for (const ws of silent.clients) ws.terminate();
  });
});

describe.each(['json', 'msgpack'] as const)('RPC end to end: errors, validation, middleware, timeouts (%s)', (codec) => {
  it('maps validation failures and handler errors to typed errors', async () => {
    const { url } = await serve();
    const c = client(url, { codec });
    expect((await rejection(c.badOutput({}))).code).toBe('INVALID_OUTPUT');
    const internal = await rejection(c.fail({ kind: 'crash' }));
    expect(internal.code).toBe('INTERNAL');
    expect(internal.message).not.toContain('secret');
    expect(await rejection(c.fail({ kind: 'rpc' }))).toMatchObject({ code: 'NOT_FOUND', data: { id: 7 } });
    const items: number[] = [];
    const streamErr = await rejection(
      (async () => {
        for await (const { n } of c.badStream({})) items.push(n);
      })(),
    );
    expect(streamErr.code).toBe('INVALID_OUTPUT');
    expect(items).toEqual([1]);
    expect((await rejection(c.sum([{ n: 1 }, { n: 'x' as unknown as number }]))).code).toBe('BAD_REQUEST');
  });

  it('runs middleware (a rate limit) and per-call and default timeouts', async () => {
    let calls = 0;
    const { url, probe } = await serve({
      middleware: [
        async (ctx, next) => {
          if (ctx.method === 'greet' && ++calls > 3) throw new RpcError('TOO_MANY_REQUESTS', 'slow down');
          return next();
        },
      ],
    });
    const c = client(url, { codec, timeoutMs: 80 });
    for (let i = 0; i < 3; i++) await c.greet({ name: 'x' });
    expect((await rejection(c.greet({ name: 'x' }))).code).toBe('TOO_MANY_REQUESTS');
    expect((await rejection(c.slow({ ms: 5000 }))).code).toBe('TIMEOUT');
    expect((await rejection(c.slow({ ms: 5000 }, { timeoutMs: 20 }))).code).toBe('TIMEOUT');
    await until(() => probe.aborted.filter((a) => a === 'slow:CANCELLED').length === 2);
  });
});

import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type ClientOptions } from '../../src/client/index.js';
import { createServer } from '../../src/server/rpc-server.js';
import { listen } from '../../src/server/ws-server.js';
import { Subprotocol } from '../../src/rpc/envelope.js';
import { rawConnect } from '../helpers/raw-client.js';
import { Probe, testHandlers, testService, until } from './fixture.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function serve() {
  const probe = new Probe();
  const server = createServer(testService, testHandlers(probe), { context: () => ({ user: 'ada' }), heartbeatMs: 0 });
  const { port } = await server.listen({ port: 0 });
  cleanup.push(() => server.close());
  return { server, probe, port, url: `ws://127.0.0.1:${port}/rpc` };
}

/** Tracks every promise a test makes, to prove none is left pending. */
function settledCount(ps: Promise<unknown>[]): () => number {
  let n = 0;
  for (const p of ps) p.then(() => n++, () => n++);
  return () => n;
}

const opts: ClientOptions = { heartbeatMs: 0, reconnect: { initialDelayMs: 20_000, maxDelayMs: 20_000 } };

/** Two servers and a client given both URLs, whose backoff (20 s) is too long for any test to wait out. */
async function twoServers(codec: ClientOptions['codec'] = 'json') {
  const first = await serve();
  const second = await serve();
  const client = createClient(testService, [first.url, second.url], { ...opts, codec });
  cleanup.push(() => client.close());
  return { first, second, client };
}

describe('RPC server graceful shutdown', () => {
  it('lets 50 calls in flight finish, refuses new handshakes with 503, then closes', async () => {
    const { first, second, client } = await twoServers();
    await client.ready();
    const calls = Array.from({ length: 50 }, () => client.slow({ ms: 1000 }));
    // a client stream in flight keeps sending on the draining connection (the handler takes 10 ms per item)
    const summed = client.slowSum(
      (async function* () {
        for (let n = 0; n < 60; n++) {
          yield { n };
          await new Promise((r) => setTimeout(r, 5));
        }
      })(),
    );
    await until(() => first.server.connections === 1);
    await new Promise((r) => setTimeout(r, 100));
    const closing = first.server.close({ graceMs: 3000 });
    // new handshakes on the draining server get 503
    const refused = await rawConnect(first.port, { headers: { 'Sec-WebSocket-Protocol': Subprotocol.json } }).catch((e: Error) => e);
    expect(String(refused)).toMatch(/503/);
    // the client was told to go: it reconnects to the next URL at once (its backoff is 20 s)
    await until(() => second.server.connections === 1, 3000);
    expect(await client.greet({ name: 'new' })).toEqual({ message: 'hello new' });
    const results = await Promise.allSettled(calls);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(50);
    expect(await summed).toEqual({ count: 60 });
    await closing;
    expect(first.server.connections).toBe(0);
    expect(first.probe.aborted).toEqual([]);
  });

  it('aborts what outlives the grace period, and every call settles', async () => {
    const { first, second, client } = await twoServers();
    await client.ready();
    const slow = [client.slow({ ms: 100 }), client.slow({ ms: 5000 })];
    const count = settledCount(slow);
    await until(() => first.server.connections === 1);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await first.server.close({ graceMs: 500 });
    expect(Date.now() - started).toBeLessThan(3000);
    await until(() => count() === 2);
    const [quick, late] = await Promise.allSettled(slow);
    expect(quick.status).toBe('fulfilled');
    expect(late.status === 'rejected' && (late.reason as { code: string }).code).toBe('UNAVAILABLE');
    expect(first.probe.aborted).toEqual(['slow:UNAVAILABLE']);
  });

  it.each(['json', 'msgpack'] as const)('ends server streams: a resumable one resumes on the next server after its last event (%s)', async (codec) => {
    const { first, second, client } = await twoServers(codec);
    const seqs: number[] = [];
    const counting = client.count({ to: 1_000_000 });
    const counted = (async () => {
      let n = 0;
      for await (const _ of counting) {
        n++;
        await new Promise((r) => setTimeout(r, 1));
      }
      return n;
    })();
    const countCount = settledCount([counted]);
    const done = (async () => {
      for await (const { seq } of client.feed({})) {
        seqs.push(seq);
        if (seqs.length === 20) void first.server.close({ graceMs: 2000 });
        if (seq >= 60) break;
      }
    })();
    await done;
    // no gap, no repeat across the move
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i));
    expect(first.probe.lastEventIds).toEqual([undefined]);
    expect(second.probe.lastEventIds.length).toBe(1);
    expect(Number(second.probe.lastEventIds[0])).toBeGreaterThanOrEqual(19);
    // a stream that is not resumable fails with UNAVAILABLE instead
    await until(() => countCount() === 1);
    await expect(counted).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('sends GoAway first, then refuses late calls as not run while the running one finishes, then closes 1001', async () => {
    const { server, port } = await serve();
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, [Subprotocol.json]);
    cleanup.push(async () => ws.terminate());
    const inbox: unknown[][] = [];
    ws.on('message', (d) => inbox.push(JSON.parse(String(d)) as unknown[]));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify([1, 1, 'slow', { ms: 300 }]));
    await until(() => server.connections === 1);
    await new Promise((r) => setTimeout(r, 50));
    const closing = server.close({ graceMs: 3000 });
    await until(() => inbox.length === 1);
    expect(inbox[0]).toEqual([25, 3000]);
    ws.send(JSON.stringify([1, 2, 'greet', { name: 'late' }]));
    ws.send(JSON.stringify([3, 3, 'feed', 4, null, {}]));
    await until(() => inbox.length === 4);
    expect(inbox.slice(1)).toEqual([
      [12, 2, 'UNAVAILABLE', 'server shutting down: the call was not run', { notRun: true }],
      [12, 3, 'UNAVAILABLE', 'server shutting down: the call was not run', { notRun: true }],
      [11, 1, { done: true }],
    ]);
    expect(await closed).toBe(1001);
    await closing;
  });

  it('lets a client without reconnects finish its calls, then close with the server', async () => {
    const { server, url } = await serve();
    const client = createClient(testService, url, { heartbeatMs: 0, reconnect: false });
    cleanup.push(() => client.close());
    await client.ready();
    const call = client.slow({ ms: 300 });
    await until(() => server.connections === 1);
    await new Promise((r) => setTimeout(r, 50));
    await server.close({ graceMs: 3000 });
    expect(await call).toEqual({ done: true });
    await until(() => client.state === 'closed');
  });

  it('sends a unary call that crossed the GoAway again on the next connection', async () => {
    const second = await serve();
    const seen: unknown[] = [];
    const draining = await listen({ port: 0, selectProtocol: (offered) => offered[0] }, async (conn) => {
      for await (const m of conn) {
        const env = JSON.parse(m.text()) as unknown[];
        // the client's in-band Hello (its connection parameters) is answered with Welcome
        if (env[0] === 26) {
          await conn.send('[27]');
          continue;
        }
        seen.push(env[0]);
        if (env[0] !== 1) continue;
        await conn.send('[25,1000]');
        await conn.send(`[12,${env[1]},"UNAVAILABLE","server shutting down: the call was not run",{"notRun":true}]`);
      }
    });
    cleanup.push(() => draining.close());
    const client = createClient(testService, [`ws://127.0.0.1:${draining.port}`, second.url], opts);
    cleanup.push(() => client.close());
    expect(await client.greet({ name: 'again' })).toEqual({ message: 'hello again' });
    expect(seen).toEqual([1]);
  });

  it('reconnects at once, without backoff, when a server closes with 1012 (service restart)', async () => {
    const second = await serve();
    const restarting = await listen({ port: 0, selectProtocol: (offered) => offered[0] }, (conn) => {
      setTimeout(() => void conn.close(1012, 'service restart').catch(() => undefined), 50);
    });
    cleanup.push(() => restarting.close());
    const client = createClient(testService, [`ws://127.0.0.1:${restarting.port}`, second.url], opts);
    cleanup.push(() => client.close());
    await client.ready();
    // the first reconnect after a plain drop would wait 20 s here
    await until(() => second.server.connections === 1, 5000);
    expect(await client.greet({ name: 'moved' })).toEqual({ message: 'hello moved' });
  });

  it('drops a pending handshake at once, with or without a grace period', async () => {
    for (const graceMs of [0, 5000]) {
      const { server, port } = await serve();
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
      const ended = new Promise((r) => socket.once('close', r));
      await new Promise((r) => setTimeout(r, 50));
      const started = Date.now();
      await server.close({ graceMs });
      await ended;
      expect(Date.now() - started).toBeLessThan(2000);
    }
  });
});

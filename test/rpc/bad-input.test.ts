import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Packr } from 'msgpackr';
import { createClient } from '../../src/client/index.js';
import type { TransportFactory } from '../../src/client/transport.js';
import { createServer } from '../../src/server/rpc-server.js';
import { Subprotocol } from '../../src/rpc/envelope.js';
import { Probe, testHandlers, testService } from './fixture.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A raw ws client speaking the RPC subprotocol by hand; `next()` returns the next decoded envelope. */
async function raw(codec: 'json' | 'msgpack', limits = {}) {
  const server = createServer(testService, testHandlers(new Probe()), { context: () => ({ user: 'raw' }), limits });
  const { port } = await server.listen({ port: 0 });
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, [Subprotocol[codec]]);
  cleanup.push(() => server.close(), async () => ws.terminate());
  const inbox: unknown[][] = [];
  const waiters: ((v: unknown[]) => void)[] = [];
  const packr = new Packr({ useRecords: false });
  ws.on('message', (data, isBinary) => {
    const env = (isBinary ? packr.unpack(data as Buffer) : JSON.parse(String(data))) as unknown[];
    const w = waiters.shift();
    if (w) w(env);
    else inbox.push(env);
  });
  await new Promise((r) => ws.once('open', r));
  return {
    ws,
    send: (v: unknown) => ws.send(codec === 'json' ? (typeof v === 'string' ? v : JSON.stringify(v)) : v instanceof Uint8Array ? v : packr.pack(v)),
    next: () => (inbox.length > 0 ? Promise.resolve(inbox.shift()!) : new Promise<unknown[]>((r) => waiters.push(r))),
  };
}

describe('server: bad input from the network is answered, never fatal', () => {
  it('answers malformed JSON envelopes with errors and keeps serving', async () => {
    const c = await raw('json');
    const cases: [unknown, unknown[]][] = [
      ['{not json', [12, 0, 'BAD_REQUEST']],
      [{ a: 1 }, [12, 0, 'BAD_REQUEST']],
      [[99, 1], [12, 0, 'BAD_REQUEST']],
      [[1, -5, 'greet', { name: 'x' }], [12, 0, 'BAD_REQUEST']],
      [[1, 'seven', 'greet', { name: 'x' }], [12, 0, 'BAD_REQUEST']],
      [[1, 3, 42, {}], [12, 3, 'BAD_REQUEST']],
      [[1, 4, 'nope', {}], [12, 4, 'NOT_FOUND']],
      [[3, 5, 'greet', 10, null, { name: 'x' }], [12, 5, 'BAD_REQUEST']],
      [[3, 6, 'count', 'lots', null, { to: 1 }], [12, 6, 'BAD_REQUEST']],
      [[1, 7, 'greet'], [12, 7, 'BAD_REQUEST']],
      [[2, 'nope', {}], [12, 0, 'BAD_REQUEST']],
      [[2, 'log', { line: 5 }], [12, 0, 'BAD_REQUEST']],
    ];
    for (const [input, expected] of cases) {
      c.send(input);
      expect((await c.next()).slice(0, 3)).toEqual(expected);
    }
    // stray control envelopes for unknown ids are ignored
    c.send([6, 999, 5]);
    c.send([7, 999]);
    c.send([8, 999]);
    c.send([5, 999, {}]);
    c.send([9, 77]);
    expect(await c.next()).toEqual([10, 77]);
    c.send([1, 8, 'greet', { name: 'still' }]);
    expect(await c.next()).toEqual([11, 8, { message: 'hello still' }]);
  });

  it('answers msgpack garbage and a reused id', async () => {
    const c = await raw('msgpack');
    c.send(Uint8Array.of(0xc1, 0xff, 0x00));
    expect((await c.next()).slice(0, 3)).toEqual([12, 0, 'BAD_REQUEST']);
    c.send([1, 1, 'slow', { ms: 200 }]);
    // a reused id is refused for the connection (id 0): the running call keeps its one answer
    c.send([1, 1, 'greet', { name: 'dup' }]);
    c.send([3, 1, 'count', 4, null, { to: 1 }]);
    c.send([1, 1, 'greet', { name: 'x'.repeat(2 << 20) }]);
    for (let i = 0; i < 3; i++) {
      const env = await c.next();
      expect(env.slice(0, 3)).toEqual([12, 0, 'BAD_REQUEST']);
      expect(env[3]).toBe('call id 1 is in use');
    }
    expect(await c.next()).toEqual([11, 1, { done: true }]);
    c.send([9, 5]);
    expect(await c.next()).toEqual([10, 5]);
  });

  it('answers an oversized message for its id, and a client stream that ignores its credit', async () => {
    const c = await raw('json', { maxMessageSize: 2000, streamWindow: 2 });
    c.send([1, 1, 'greet', { name: 'x'.repeat(5000) }]);
    expect((await c.next()).slice(0, 3)).toEqual([12, 1, 'PAYLOAD_TOO_LARGE']);
    c.send(`"${'y'.repeat(5000)}"`);
    expect((await c.next()).slice(0, 3)).toEqual([12, 0, 'PAYLOAD_TOO_LARGE']);
    c.send([4, 2, 'slowSum']);
    expect(await c.next()).toEqual([6, 2, 2]);
    // the handler takes 10 ms per item: 50 items at once are far beyond the credit it granted
    for (let i = 0; i < 50; i++) c.send([5, 2, { n: i }]);
    let env = await c.next();
    while (env[0] === 6) env = await c.next();
    expect(env.slice(0, 3)).toEqual([12, 2, 'BAD_REQUEST']);
    c.send([1, 3, 'greet', { name: 'ok' }]);
    while ((env = await c.next())[1] !== 3);
    expect(env).toEqual([11, 3, { message: 'hello ok' }]);
  });
});

describe('client: bad input from the server is reported, never fatal', () => {
  it('emits an error for garbage and keeps its calls working', async () => {
    let inject: ((d: string) => void) | null = null;
    const factory: TransportFactory = async (protocols, events) => {
      inject = (d) => events.message(d);
      return {
        protocol: protocols[0],
        send: (data) => {
          const env = JSON.parse(String(data)) as unknown[];
          if (env[0] === 1) setImmediate(() => events.message(`[11,${env[1]},{"message":"hi"}]`));
        },
        close: () => events.close(1000, ''),
      };
    };
    const client = createClient(testService, 'ws://x', { transport: factory, heartbeatMs: 0 });
    cleanup.push(() => client.close());
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.message));
    await client.ready();
    for (const junk of ['{{{', '[]', '{"a":1}', '[11,"x"]', '[12,0,"BAD_REQUEST","from server"]', '[13,12345,{}]', 'null']) inject!(junk);
    expect(await client.greet({ name: 'a' })).toEqual({ message: 'hi' });
    expect(errors).toEqual(['malformed message from the server', 'from server']);
  });
});

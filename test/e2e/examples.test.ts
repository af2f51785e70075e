/**
 * The user stories end to end: each example program runs as a user would run
 * it (a separate process through tsx, on 127.0.0.1) and its output is checked.
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { connect } from '../../src/client/connect.js';
import { take } from '../message/helpers.js';
import { describeWithRedis } from '../redis/redis-server.js';
import { runExample, type Example } from './run-example.js';

const running: Example[] = [];
function start(file: string, args: string[] = [], env: Record<string, string> = {}): Example {
  const ex = runExample(file, args, env);
  running.push(ex);
  return ex;
}

afterEach(() => {
  for (const ex of running.splice(0)) if (ex.child.exitCode === null) ex.child.kill('SIGKILL');
});

describe('user story 1: a zod-typed RPC service and its typed client', () => {
  it('npm start (examples/demo.ts) walks through unary, stream, validation error and cancellation, then exits 0', async () => {
    const demo = start('demo.ts');
    expect(await demo.exited()).toEqual({ code: 0, signal: null });
    const out = demo.output();
    expect(out).toContain('hello Ada');
    expect(out).toContain('[1,2,3,4,5]');
    expect(out).toMatch(/BAD_REQUEST/);
    expect(out).toMatch(/client\s+rejected with CANCELLED/);
    expect(out).toMatch(/handler's ctx.signal aborted with CANCELLED/);
  });

  it('examples/rpc-client.ts calls examples/rpc-server.ts', async () => {
    const server = start('rpc-server.ts', [], { PORT: '0' });
    const [, url] = await server.waitFor(/listening on (ws:\/\/\S+)/);
    const client = start('rpc-client.ts', [url]);
    expect(await client.exited()).toEqual({ code: 0, signal: null });
    expect(client.output().split('\n')).toEqual([
      'hello Ada (rpc-client)',
      'count 1',
      'count 2',
      'count 3',
      'wait failed: TIMEOUT',
      '',
    ]);
    await server.waitFor(/greet \d/);
    server.child.kill('SIGINT');
    expect((await server.exited()).code).toBe(0);
  });
});

describe('errors a caller can act on', () => {
  it('examples/diagnostics.ts: a token sent in-band, a refusal the client reads as UNAUTHORIZED, and diagnostics_channel reports', async () => {
    const ex = start('diagnostics.ts');
    expect(await ex.exited()).toEqual({ code: 0, signal: null });
    const lines = ex.output().split('\n');
    expect(lines[0]).toMatch(/^call hello: OK in \d+\.\d\d ms$/);
    expect(lines.slice(1)).toEqual(['hello Ada, you are ada', 'refused: UNAUTHORIZED (in-band)', 'intruder: UNAUTHORIZED, client closed', 'closed with 1000, 4401', '']);
  });

  it('examples/app-errors.ts tells an application error code and a validation failure apart', async () => {
    const ex = start('app-errors.ts');
    expect(await ex.exited()).toEqual({ code: 0, signal: null });
    expect(ex.output().split('\n')).toEqual(['stored 2', 'APP_QUOTA: no room for b (limit 3)', 'BAD_REQUEST: key too_small, size invalid_type', '']);
  });
});

describe('user story 2: a long JSON stream consumed with for-await and backpressure', () => {
  it('examples/stream-json.ts keeps the producer within the credit window of a slow consumer', async () => {
    const ex = start('stream-json.ts');
    expect(await ex.exited()).toEqual({ code: 0, signal: null });
    const m = ex.output().match(/consumed 250, producer stopped after (\d+) \(window 32\)/);
    expect(m).not.toBeNull();
    const produced = Number(m?.[1]);
    expect(produced).toBeGreaterThanOrEqual(250);
    expect(produced - 250).toBeLessThanOrEqual(64);
    for (const line of ex.output().matchAll(/ahead of consumer (\d+)/g)) expect(Number(line[1])).toBeLessThanOrEqual(64);
  });
});

const echoed = [
  'text 5 bytes: hello',
  'text 9 bytes: zwire ✓',
  'binary 4 bytes: 010203ff',
  `text 100000 bytes: ${'x'.repeat(32)}`,
  'closed 1000 clean=true',
  '',
];

describe('user story 3: the Node client against any RFC 6455 server', () => {
  it('examples/echo-client.ts against examples/echo-server.ts, which exits 0 on SIGTERM', async () => {
    const server = start('echo-server.ts', [], { PORT: '0' });
    const [, port] = await server.waitFor(/listening (\d+)/);
    const client = start('echo-client.ts', [`ws://127.0.0.1:${port}`]);
    expect(await client.exited()).toEqual({ code: 0, signal: null });
    expect(client.output().split('\n')).toEqual(echoed);
    server.child.kill('SIGTERM');
    expect(await server.exited()).toEqual({ code: 0, signal: null });
  });

  it('examples/echo-server.ts with DEFLATE=1 serves the same client', async () => {
    const server = start('echo-server.ts', [], { PORT: '0', DEFLATE: '1' });
    const [, port] = await server.waitFor(/listening (\d+)/);
    const client = start('echo-client.ts', [`ws://127.0.0.1:${port}`]);
    expect(await client.exited()).toEqual({ code: 0, signal: null });
    expect(client.output().split('\n')).toEqual(echoed);
    server.child.kill('SIGINT');
    expect(await server.exited()).toEqual({ code: 0, signal: null });
  });

  it("examples/echo-client.ts against ws's echo server", async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
    try {
      const { port } = wss.address() as { port: number };
      const client = start('echo-client.ts', [`ws://127.0.0.1:${port}`]);
      expect(await client.exited()).toEqual({ code: 0, signal: null });
      expect(client.output().split('\n')).toEqual(echoed);
    } finally {
      wss.close();
    }
  });
});

describe('user story 3: a server that routes on the request and shuts down gracefully', () => {
  it('examples/rooms-server.ts puts connections in rooms by path and name, and on SIGTERM says so, closes them with 1001 and exits 0', async () => {
    const server = start('rooms-server.ts', [], { PORT: '0' });
    const [, port] = await server.waitFor(/listening (\d+)/);
    const [ann, bob, eve] = await Promise.all(
      ['/rooms/a?name=ann', '/rooms/a?name=bob', '/rooms/b?name=eve'].map((path) => connect(`ws://127.0.0.1:${port}${path}`)),
    );
    await ann.send('hi');
    expect((await take(bob, 1)).map((m) => m.text())).toEqual(['ann: hi']);
    expect((await take(ann, 1)).map((m) => m.text())).toEqual(['ann: hi']);
    server.child.kill('SIGTERM');
    for (const conn of [ann, bob, eve]) expect((await take(conn, 1)).map((m) => m.text())).toEqual(['server: shutting down']);
    expect((await Promise.all([ann.closed, bob.closed, eve.closed])).map((i) => i.code)).toEqual([1001, 1001, 1001]);
    expect(await server.exited()).toEqual({ code: 0, signal: null });
  });
});

describe('user story 5: typed topics with presence, history and recovery', () => {
  it('examples/chat.ts: presence, a refused subscription, and a reconnect that recovers exactly the missed messages', async () => {
    const ex = start('chat.ts');
    expect(await ex.exited()).toEqual({ code: 0, signal: null });
    const lines = ex.output().split('\n');
    expect(lines).toContain('presence: ada, bob');
    expect(lines).toContain('bob subscribing to staff: FORBIDDEN');
    expect(lines.filter((l) => l.startsWith('bob '))).toEqual([
      'bob subscribed at offset 0, recovered: false',
      'bob subscribing to staff: FORBIDDEN',
      'bob got ada: hello bob (offset 1)',
      'bob is offline',
      'bob subscribed at offset 1, recovered: true',
      'bob got ada: you missed this (offset 2)',
      'bob got ada: and this (offset 3)',
      'bob got server: bye (offset 4)',
      'bob heard: hello bob | you missed this | and this | bye',
    ]);
    expect(lines.filter((l) => l.startsWith('ada sees bob'))).toEqual(['ada sees bob join', 'ada sees bob leave (1)', 'ada sees bob join', 'ada sees bob leave (2)']);
    expect(lines).not.toContain('bob missed messages that history no longer holds: refetch');
  });
});

describeWithRedis('user story 5 on many nodes: examples/cluster', () => {
  it('examples/cluster/main.ts: three node processes on one Redis; a message on one reaches the clients of all three, and the client of a node that died moves to the next of its URLs and recovers', async () => {
    const ex = start('cluster/main.ts');
    expect(await ex.exited()).toEqual({ code: 0, signal: null });
    expect(ex.output().split('\n')).toEqual([
      'three nodes on one Redis: node-1, node-2, node-3',
      'presence seen from node-1: ada, bob, cyd',
      'ada on node-1 got bob@node-2: hello from node-2 (offset 1)',
      'bob on node-2 got bob@node-2: hello from node-2 (offset 1)',
      'cyd on node-3 got bob@node-2: hello from node-2 (offset 1)',
      'node-3 died',
      "cyd's client moved to node-1 and subscribed again, recovered: true",
      'cyd got ada@node-1: cyd, are you there? (offset 2)',
      'done',
      '',
    ]);
  }, 60_000);
});

describe('user story 4: the raw wire layer by hand', () => {
  it('examples/wire-frames.ts parses client frames fed 3 bytes at a time and refuses an unmasked one', async () => {
    const ex = start('wire-frames.ts');
    expect(await ex.exited()).toEqual({ code: 0, signal: null });
    expect(ex.output().split('\n')).toEqual([
      'frame opcode=1 fin=false masked=true length=7',
      '  payload "hello, "',
      'frame opcode=0 fin=true masked=true length=4',
      '  payload "wire"',
      'frame opcode=9 fin=true masked=true length=14',
      '  payload "are you there?"',
      'frame opcode=8 fin=true masked=true length=5',
      '  close 1000 bye',
      'rejected: ERR_UNMASKED -> close 1002',
      '',
    ]);
  });

  it('examples/raw-wire-server.ts echoes for examples/echo-client.ts and rejects other paths', async () => {
    const server = start('raw-wire-server.ts', [], { PORT: '0' });
    const [, port] = await server.waitFor(/listening (\d+)/);
    const client = start('echo-client.ts', [`ws://127.0.0.1:${port}/echo`]);
    expect(await client.exited()).toEqual({ code: 0, signal: null });
    expect(client.output().split('\n')).toEqual(echoed);
    await server.waitFor(/upgraded \/echo/);

    const refused = start('echo-client.ts', [`ws://127.0.0.1:${port}/elsewhere`]);
    const { code } = await refused.exited();
    expect(code).not.toBe(0);
    await server.waitFor(/handshake failed/);
    server.child.kill('SIGTERM');
    expect((await server.exited()).code).toBe(0);
  });
});

describe('message-layer topics: a chat room over conn.subscribe and server.publish', () => {
  it('examples/topics.ts delivers every message to both clients, the sender included, in order', async () => {
    const ex = start('topics.ts');
    expect(await ex.exited()).toEqual({ code: 0, signal: null });
    expect(ex.output().split('\n')).toEqual([
      'ada received: hello from ada | hello from bob | the server says bye',
      'bob received: hello from ada | hello from bob | the server says bye',
      '',
    ]);
  });
});

describe('WebSockets over HTTP/2 and Web Streams (issue #16)', () => {
  it('examples/http2.ts runs three WebSockets on one HTTP/2 session and a WebSocketStream, then exits 0', async () => {
    const ex = start('http2.ts');
    expect(await ex.exited()).toEqual({ code: 0, signal: null });
    expect(ex.output().split('\n')).toEqual([
      'chat.v1: echo hello from 0',
      'chat.v1: echo hello from 1',
      'chat.v1: echo hello from 2',
      'echo streams',
      'echo with',
      'echo backpressure',
      'closed 1000',
      '',
    ]);
  });
});

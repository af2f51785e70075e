import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, zwire } from './run-zwire.js';

let server: Awaited<ReturnType<typeof startServer>>;
let rpcUrl = '';
beforeAll(async () => {
  server = await startServer();
  rpcUrl = `ws://127.0.0.1:${server.rpc}/`;
});
afterAll(async () => {
  server.child.kill('SIGTERM');
  await once(server.child, 'exit');
});

describe('zwire call', () => {
  it('prints the result, readable by default and as JSON with --json', async () => {
    const readable = await zwire(['call', rpcUrl, 'add', '{"a":2,"b":3}']);
    expect(readable).toMatchObject({ code: 0 });
    expect(readable.stdout).toContain('sum: 5');
    const json = await zwire(['call', rpcUrl, 'add', '{"a":2,"b":40}', '--json', '--codec', 'msgpack']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ sum: 42 });
  });

  it('sends --param in the query and --header in the handshake, over HTTP/2 with --http2', async () => {
    const r = await zwire(['call', rpcUrl, 'whoami', '--json', '--http2', '-p', 'user=ada', '-H', 'x-token: t0k']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ user: 'ada', token: 't0k' });
  });

  it('exits 2 before sending for an unknown method, the wrong kind or input the schema refuses', async () => {
    const unknown = await zwire(['call', rpcUrl, 'nope', '{}']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no method nope');
    expect(unknown.stderr).toContain('add');
    const kind = await zwire(['call', rpcUrl, 'count', '{"to":1}']);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('zwire watch');
    const bad = await zwire(['call', rpcUrl, 'add', '{"a":"x"}', '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stderr).error.code).toBe('USAGE');
    const notJson = await zwire(['call', rpcUrl, 'add', '{a:1}']);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('not valid JSON');
  });

  it('exits 1 with the code of an RPC error, 4 on timeout, 3 when nothing listens', async () => {
    const refused = await zwire(['call', rpcUrl, 'refuse', '--json']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr).error).toMatchObject({ code: 'FORBIDDEN', message: 'not for you' });
    const serverSide = await zwire(['call', rpcUrl, 'add', '{"a":"x"}', '--no-check']);
    expect(serverSide.code).toBe(1);
    expect(serverSide.stderr).toContain('BAD_REQUEST');
    const slow = await zwire(['call', rpcUrl, 'slow', '{"ms":5000}', '--timeout', '300']);
    expect(slow.code).toBe(4);
    expect(slow.stderr).toContain('TIMEOUT');
    const down = await zwire(['call', 'ws://127.0.0.1:1/', 'add', '{}']);
    expect(down.code).toBe(3);
  });

  it('exits 2 on bad usage', async () => {
    expect((await zwire([])).code).toBe(2);
    expect((await zwire(['frobnicate'])).code).toBe(2);
    expect((await zwire(['call', rpcUrl])).code).toBe(2);
    const scheme = await zwire(['call', 'http://x/', 'm']);
    expect(scheme.code).toBe(2);
    expect((await zwire(['call', rpcUrl, 'add', '--codec', 'xml'])).stderr).toContain('--codec');
    const help = await zwire(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('exit codes');
  });
});

describe('zwire watch', () => {
  it('prints every item of a stream and exits 0 at its end', async () => {
    const r = await zwire(['watch', rpcUrl, 'count', '{"to":3}', '--json']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const wrong = await zwire(['watch', rpcUrl, 'add', '{"a":1,"b":2}']);
    expect(wrong.code).toBe(2);
  });
});

describe('zwire describe', () => {
  it('lists methods with their JSON Schemas', async () => {
    const r = await zwire(['describe', rpcUrl, '--json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(Object.keys(d.methods).sort()).toEqual(['add', 'count', 'refuse', 'slow', 'tick', 'whoami']);
    expect(d.methods.count.kind).toBe('stream');
    expect(d.methods.add.input).toMatchObject({ type: 'object', required: ['a', 'b'] });
    const readable = await zwire(['describe', rpcUrl]);
    expect(readable.stdout).toContain('count  (stream)');
  });

  it('says so (exit 1) when the server has no introspection, and calls still work unchecked', async () => {
    const bare = await startServer({ INTROSPECTION: '0' });
    try {
      const url = `ws://127.0.0.1:${bare.rpc}/`;
      const r = await zwire(['describe', url]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('introspection');
      const call = await zwire(['call', url, 'add', '{"a":1,"b":1}', '--json']);
      expect(JSON.parse(call.stdout)).toEqual({ sum: 2 });
    } finally {
      bare.child.kill('SIGTERM');
      await once(bare.child, 'exit');
    }
  });
});

describe('zwire connect', () => {
  it('sends stdin lines as text messages and prints what comes back; end of input closes cleanly', async () => {
    const r = await zwire(['connect', `ws://127.0.0.1:${server.echo}/`, '--protocol', 'chat'], 'hello\nworld ✓\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('echo: hello\necho: world ✓\n');
    expect(r.stderr).toContain('connected (chat)');
    expect(r.stderr).toContain('closed 1000');
  });

  it('reports a close by the server, and exits 3 when the handshake fails', async () => {
    const r = await zwire(['connect', `ws://127.0.0.1:${server.echo}/`, '--json'], 'one\nbye\n');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ type: 'text', data: 'echo: one' });
    const refused = await zwire(['connect', `ws://127.0.0.1:${server.rpc}/`]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('400');
  });
});

import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runZwire, startServer, zwire } from './run-zwire.js';

let server: Awaited<ReturnType<typeof startServer>>;
let url = '';
beforeAll(async () => {
  server = await startServer();
  url = `ws://127.0.0.1:${server.rpc}/`;
});
afterAll(async () => {
  server.child.kill('SIGTERM');
  await once(server.child, 'exit');
});

/** Publishes on the fixture's `ticks` topic through its `tick` method, returning the position. */
async function tick(room: string, n: number): Promise<{ epoch: string; offset: number }> {
  const r = await zwire(['call', url, 'tick', JSON.stringify({ room, n }), '--json', '--no-check']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { epoch: string; offset: number };
}

const lines = (text: string): unknown[] => text.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);

describe('zwire sub', () => {
  it('prints publications in order with their offsets until Ctrl-C, which exits 130', async () => {
    const sub = runZwire(['sub', url, 'ticks', '{"room":"a"}']);
    await sub.waitFor('subscribed to ticks', 'stderr');
    await tick('a', 1);
    await tick('b', 99);
    await tick('a', 2);
    await sub.waitFor('n: 2');
    expect(await sub.interrupt()).toBe(130);
    expect(sub.stdout()).toBe('1  { n: 1 }\n2  { n: 2 }\n');
  });

  it('--json prints one object per line; --since recovers what came after a position', async () => {
    const first = await tick('r', 1);
    await tick('r', 2);
    await tick('r', 3);
    const sub = runZwire(['sub', url, 'ticks', '{"room":"r"}', '--json', '--since', `${first.epoch}:${first.offset}`]);
    await sub.waitFor('"n":3');
    expect(await sub.interrupt()).toBe(130);
    const [subscribed, ...pubs] = lines(sub.stdout());
    // the subscription continues after the given position: the history then fills the gap
    expect(subscribed).toEqual({ subscribed: { recovered: true, epoch: first.epoch, offset: first.offset } });
    expect(pubs).toEqual([
      { epoch: first.epoch, offset: first.offset + 1, data: { n: 2 } },
      { epoch: first.epoch, offset: first.offset + 2, data: { n: 3 } },
    ]);
  });

  it('prints a reset when the position cannot be recovered (another epoch)', async () => {
    const last = await tick('e', 1);
    const sub = runZwire(['sub', url, 'ticks', '{"room":"e"}', '--json', '--since', 'not-an-epoch:7']);
    await sub.waitFor('"reset"');
    expect(await sub.interrupt()).toBe(130);
    const out = lines(sub.stdout());
    expect(out).toEqual([{ reset: { epoch: last.epoch, offset: last.offset } }, { subscribed: { recovered: false, epoch: last.epoch, offset: last.offset } }]);
  });

  it('--presence prints subscribers joining and leaving', async () => {
    const watcher = runZwire(['sub', url, 'ticks', '{"room":"p"}', '--presence', '-p', 'user=watcher']);
    await watcher.waitFor('subscribed to ticks', 'stderr');
    const other = runZwire(['sub', url, 'ticks', '{"room":"p"}', '-p', 'user=ada']);
    await watcher.waitFor("+ join { user: 'ada' }");
    expect(await other.interrupt()).toBe(130);
    await watcher.waitFor("- leave { user: 'ada' }");
    expect(await watcher.interrupt()).toBe(130);
    expect(other.stdout()).not.toContain('join');
  });

  it('exits 1 when the server refuses the subscription, 3 when nothing listens', async () => {
    const refused = await zwire(['sub', url, 'ticks', '{"room":"secret"}', '--json']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr).error).toMatchObject({ code: 'FORBIDDEN', message: 'not your room' });
    const down = await zwire(['sub', 'ws://127.0.0.1:1/', 'ticks', '{"room":"a"}']);
    expect(down.code).toBe(3);
  });

  it('exits 2 before subscribing for an unknown topic, a key the schema refuses or a bad --since', async () => {
    const unknown = await zwire(['sub', url, 'nope', '{}']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no topic nope; the server has: ticks');
    const badKey = await zwire(['sub', url, 'ticks', '{"room":""}', '--json']);
    expect(badKey.code).toBe(2);
    expect(JSON.parse(badKey.stderr).error.message).toContain("ticks's schema");
    const serverSide = await zwire(['sub', url, 'ticks', '{"room":""}', '--no-check']);
    expect(serverSide.code).toBe(1);
    expect(serverSide.stderr).toContain('BAD_REQUEST');
    expect((await zwire(['sub', url, 'ticks', '{"room":"a"}', '--since', 'x'])).code).toBe(2);
    expect((await zwire(['sub', url])).code).toBe(2);
  });

  it('describe lists the topic with its key, message and presence schemas', async () => {
    const r = await zwire(['describe', url, '--json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.topics.ticks).toMatchObject({
      key: { type: 'object', required: ['room'] },
      message: { type: 'object', required: ['n'] },
      presence: { type: 'object', required: ['user'] },
      history: true,
    });
    const readable = await zwire(['describe', url]);
    expect(readable.stdout).toContain('ticks  (topic, history, presence)');
    expect(readable.stdout).toContain('  key:      {');
  });
});

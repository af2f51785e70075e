/**
 * Three zwire nodes on one Redis (user story 5, many nodes): each node is its
 * own process (examples/cluster/node.ts) with `redisEngine()` as its engine,
 * and each has a client. A message said on one node reaches the clients of
 * all three, presence spans the nodes, and when a node dies its client goes to
 * another node and recovers what it missed from Redis.
 *
 *   npx tsx examples/cluster/main.ts
 *
 * It starts its own redis-server (on a unix socket in a temp dir) when one is
 * on PATH, or uses REDIS_URL; without either it says how to get one and exits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '../../src/client/index.js';
import { roomService } from './service.js';

/** Resolves with the first match of `pattern` in the child's stdout. */
function waitFor(child: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = out.match(pattern);
      if (m === null) return;
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve(m);
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before ${pattern}: ${out}`)));
  });
}

/** Where the nodes find Redis: REDIS_URL, or a redis-server of our own; null when there is neither. */
async function redis(): Promise<{ env: Record<string, string>; stop: () => void } | null> {
  if (process.env.REDIS_URL !== undefined) return { env: { REDIS_URL: process.env.REDIS_URL }, stop: () => undefined };
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'zwire-cluster-'));
  const socket = join(dir, 'redis.sock');
  const server = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await waitFor(server, /ready to accept connections/i);
  return {
    env: { REDIS_SOCKET: socket },
    stop: () => {
      server.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const broker = await redis();
if (broker === null) {
  console.log('no redis-server on PATH: install it (apt-get install redis-server, brew install redis) or set REDIS_URL=redis://host:6379, then run this again');
  process.exit(0);
}

// Each node is a process of its own, started the way this one was (node --import tsx, or tsx).
const nodeScript = fileURLToPath(new URL('./node.ts', import.meta.url));
const nodes = await Promise.all(
  [1, 2, 3].map(async (n) => {
    const child = spawn(process.execPath, [...process.execArgv, nodeScript], {
      env: { ...process.env, ...broker.env, NODE_NAME: `node-${n}` },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [, url] = await waitFor(child, /listening on (\S+)/);
    return { name: `node-${n}`, child, url: url as string };
  }),
);
console.log(`three nodes on one Redis: ${nodes.map((n) => n.name).join(', ')}`);

// One client per node. Each knows the other nodes too, after its own: when its
// connection is lost, the next attempt takes the next URL.
// ada, on node-1, hears bob and cyd join on the other nodes.
const users = ['ada', 'bob', 'cyd'];
const clients = users.map((user, i) => {
  const urls = [0, 1, 2].map((k) => nodes[(i + k) % 3]!.url);
  return createClient(roomService, urls, { params: { user }, reconnect: { initialDelayMs: 50 } });
});
const adaRoom = clients[0]!.room.subscribe({ room: 'lobby' });
const joined = new Set<string>();
const othersJoined = new Promise<void>((resolve) =>
  adaRoom.on('join', ({ user }) => {
    joined.add(user);
    if (joined.has('bob') && joined.has('cyd')) resolve();
  }),
);
await adaRoom.ready();
const rooms = [adaRoom, ...clients.slice(1).map((c) => c.room.subscribe({ room: 'lobby' }))];
await Promise.all(rooms.map((r) => r.ready()));
await othersJoined;
const presence = await rooms[0]!.presence();
console.log(`presence seen from node-1: ${presence.map((p) => p.user).sort().join(', ')}`);

// bob says something on node-2: the clients of all three nodes get it.
await clients[1]!.say({ room: 'lobby', text: 'hello from node-2' });
const got = await Promise.all(rooms.map(async (r) => (await r.next()).value as { from: string; text: string }));
for (const [i, m] of got.entries()) console.log(`${users[i]} on ${nodes[i]!.name} got ${m.from}: ${m.text} (offset ${rooms[i]!.position?.offset})`);

// node-3 dies while ada speaks. cyd's client connects to its next URL (node-1) and
// subscribes again from its last position: what it missed comes from Redis's history.
const cydRoom = rooms[2]!;
const cydBack = new Promise<boolean>((resolve) => cydRoom.on('subscribed', ({ recovered }) => resolve(recovered)));
nodes[2]!.child.kill('SIGKILL');
console.log('node-3 died');
await clients[0]!.say({ room: 'lobby', text: 'cyd, are you there?' });
console.log(`cyd's client moved to node-1 and subscribed again, recovered: ${await cydBack}`);
const missed = (await cydRoom.next()).value as { from: string; text: string };
console.log(`cyd got ${missed.from}: ${missed.text} (offset ${cydRoom.position?.offset})`);

await Promise.all(clients.map((c) => c.close()));
await Promise.all(
  nodes.slice(0, 2).map(async (n) => {
    const exited = new Promise((r) => n.child.once('exit', r));
    n.child.kill('SIGTERM');
    await exited;
  }),
);
broker.stop();
console.log('done');

/**
 * What the server holds per idle connection and per subscription on it,
 * measured in a server process of its own over real sockets.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/client/connect.js';
import type { Conn } from '../../src/message/index.js';
import { Subprotocol } from '../../src/rpc/envelope.js';
import { TopicKind } from '../../src/rpc/topic-envelopes.js';
import type { MemoryReading, MemoryRequest } from './memory-server.js';
import { until } from './fixture.js';

const CONNECTIONS = 500;
const script = fileURLToPath(new URL('./memory-server.ts', import.meta.url));

let child: ChildProcess;
let port = 0;
const clients: Conn[] = [];
const received: number[] = [];
let subscribedCount = 0;

function ask<T>(req: MemoryRequest): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(req);
  });
}

beforeAll(async () => {
  child = fork(script, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
  });
}, 30_000);

afterAll(async () => {
  for (const c of clients) c.terminate();
  const exited = new Promise((r) => child.once('exit', r));
  child.disconnect();
  const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(kill);
});

describe('server memory per idle connection and per subscription', () => {
  it(`${CONNECTIONS} idle JSON connections, then one ticker subscription each`, async () => {
    const empty = await ask<MemoryReading>({ op: 'measure' });
    for (let i = 0; i < CONNECTIONS; i += 100) {
      const group = await Promise.all(Array.from({ length: 100 }, () => connect(`ws://127.0.0.1:${port}/`, { protocols: [Subprotocol.json] })));
      for (const conn of group) {
        const at = clients.push(conn) - 1;
        received[at] = 0;
        void (async () => {
          for await (const m of conn) {
            const kind = (JSON.parse(m.text()) as unknown[])[0];
            if (kind === TopicKind.Publication) received[at]++;
            if (kind === TopicKind.Subscribed) subscribedCount++;
          }
        })().catch(() => undefined);
      }
    }
    const connected = await ask<MemoryReading>({ op: 'measure' });
    expect(connected.connections).toBe(CONNECTIONS);
    await Promise.all(clients.map((c) => c.send(JSON.stringify([TopicKind.Subscribe, 1, 'ticker', { symbol: 'ALL' }]))));
    await until(() => subscribedCount === CONNECTIONS, 20_000);
    const subscribed = await ask<MemoryReading>({ op: 'measure' });
    await ask({ op: 'publish', symbol: 'ALL' });
    await until(() => received.every((n) => n === 1), 20_000);

    const perConnection = (connected.heapUsed - empty.heapUsed) / CONNECTIONS;
    const perConnectionExternal = (connected.external - empty.external) / CONNECTIONS;
    const perSubscription = (subscribed.heapUsed - connected.heapUsed) / CONNECTIONS;
    console.log(
      `server heap per idle connection: ${perConnection.toFixed(0)} B (+${perConnectionExternal.toFixed(0)} B external); ` +
        `per subscription on it: ${perSubscription.toFixed(0)} B (${CONNECTIONS} connections)`,
    );
    expect(perConnection).toBeGreaterThan(0);
    expect(perConnection).toBeLessThan(16 * 1024);
    // a loaded machine's heap readings wander by a few hundred KB: bounds, not figures
    expect(perSubscription).toBeLessThan(4096);
  }, 60_000);
});

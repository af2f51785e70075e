import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { createClient } from '../../src/client/index.js';
import { listen } from '../../src/server/ws-server.js';
import { createServer } from '../../src/server/rpc-server.js';
import { MAX_CREDIT, Subprotocol } from '../../src/rpc/envelope.js';
import { defineService } from '../../src/rpc/service.js';
import { buildFrame, OP } from '../helpers/frame-builder.js';
import { rawConnect } from '../helpers/raw-client.js';
import { rejection, until } from './fixture.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const service = defineService({
  big: { input: z.object({ size: z.number() }), output: z.object({ s: z.string() }) },
  ticks: { input: z.object({}), stream: z.object({ n: z.number() }) },
  /** Ignores its signal: sleeps before its first item, however the call ends. */
  stubborn: { input: z.object({ ms: z.number() }), stream: z.object({ n: z.number() }) },
  sum: { clientStream: z.object({ n: z.number() }), output: z.object({ total: z.number() }) },
});

/** Live and peak count of running handlers. */
class Live {
  now = 0;
  peak = 0;
  /** `big` handlers started. */
  bigStarted = 0;
  enter(): void {
    this.now++;
    this.peak = Math.max(this.peak, this.now);
  }
  leave(): void {
    this.now--;
  }
}

async function serve(limits = {}, options: { maxQueuedBytes?: number } = {}) {
  const live = new Live();
  const server = createServer(
    service,
    {
      big: ({ size }) => {
        live.bigStarted++;
        return { s: 'x'.repeat(size) };
      },
      ticks: async function* () {
        for (let n = 0; ; n++) yield { n };
      },
      stubborn: async function* ({ ms }) {
        live.enter();
        try {
          await sleep(ms);
          yield { n: 1 };
        } finally {
          live.leave();
        }
      },
      sum: async (items) => {
        let total = 0;
        for await (const { n } of items) total += n;
        return { total };
      },
    },
    { limits, heartbeatMs: 0, ...options },
  );
  const { port } = await server.listen({ port: 0 });
  cleanup.push(() => server.close());
  return { server, port, live };
}

/** A ws client speaking JSON envelopes by hand; `next()` gives the next envelope. */
async function rawJson(port: number) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, [Subprotocol.json]);
  cleanup.push(async () => ws.terminate());
  const inbox: unknown[][] = [];
  const waiters: ((v: unknown[]) => void)[] = [];
  ws.on('message', (data) => {
    const env = JSON.parse(String(data)) as unknown[];
    const w = waiters.shift();
    if (w) w(env);
    else inbox.push(env);
  });
  await new Promise((r) => ws.once('open', r));
  return {
    send: (v: unknown) => ws.send(typeof v === 'string' ? v : JSON.stringify(v)),
    next: () => (inbox.length > 0 ? Promise.resolve(inbox.shift()!) : new Promise<unknown[]>((r) => waiters.push(r))),
    /** The next envelope that is not a stream item. */
    async nextNotItem(): Promise<unknown[]> {
      for (;;) {
        const env = inbox.length > 0 ? inbox.shift()! : await new Promise<unknown[]>((r) => waiters.push(r));
        if (env[0] !== 13) return env;
      }
    },
  };
}

function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

function retained(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/**
 * Sends 256 calls each answered with `size` bytes, from a raw client that then stops reading
 * for 1.5 s; measures the server meanwhile, then reads again and counts the answers.
 */
async function floodWithoutReading(port: number, live: Live, size: number) {
  collectGarbage();
  const before = retained();
  const { peer } = await rawConnect(port, { headers: { 'Sec-WebSocket-Protocol': Subprotocol.json } });
  const socket = peer.socket;
  // the client stops reading: everything the server sends stays in the server or the kernel
  socket.pause();
  const calls = Buffer.concat(
    Array.from({ length: 256 }, (_, i) => buildFrame({ opcode: OP.text, payload: JSON.stringify([1, i + 1, 'big', { size }]), mask: true })),
  );
  socket.write(calls);
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 20);
  let peak = 0;
  for (let i = 0; i < 30; i++) {
    await sleep(50);
    peak = Math.max(peak, retained() - before);
  }
  clearInterval(ticker);
  collectGarbage();
  const held = retained() - before;
  const startedWhileStalled = live.bigStarted;
  // once the client reads again, every call that waited runs and is answered
  socket.resume();
  let results = 0;
  await peer.waitUntil(() => {
    for (const e of peer.events.splice(0)) if (e.type === 'message' && e.data.subarray(0, 4).toString() === '[11,') results++;
    return results === 256;
  }, 60_000);
  socket.destroy();
  return { held, peak, ticks, startedWhileStalled, results };
}

describe('RPC outbound budget', () => {
  it('holds results for a client that does not read within the budget, handlers waiting in their slots', async () => {
    const { port, live } = await serve({ maxMessageSize: 2 << 20 });
    const r = await floodWithoutReading(port, live, 1 << 20);
    expect(r.results).toBe(256);
    // budget (maxQueuedBytes, default 4 MiB) twice, plus one result being encoded and a margin; 256 MiB before the fix
    const bound = 2 * 4 * 2 ** 20 + 24 * 2 ** 20;
    expect(r.held).toBeLessThan(bound);
    expect(r.peak).toBeLessThan(bound + 16 * 2 ** 20);
    expect(r.ticks).toBeGreaterThan(10);
    // the other calls wait in their slots: the budget plus what the kernel buffers holds a few 1 MiB results
    expect(r.startedWhileStalled).toBeGreaterThan(0);
    expect(r.startedWhileStalled).toBeLessThan(64);
  }, 90_000);

  it('holds back smaller results under a small budget (the maxQueuedBytes option)', async () => {
    const { port, live } = await serve({}, { maxQueuedBytes: 8 * 1024 });
    const r = await floodWithoutReading(port, live, 60_000);
    expect(r.results).toBe(256);
    expect(r.startedWhileStalled).toBeGreaterThan(0);
    expect(r.startedWhileStalled).toBeLessThan(200);
  }, 90_000);
});

describe('RPC stream slots', () => {
  it('keeps a cancelled stream in its slot until its handler has finished', async () => {
    const { port, live } = await serve({ maxStreams: 4 });
    const c = await rawJson(port);
    let id = 0;
    const refused: unknown[] = [];
    for (let round = 0; round < 5; round++) {
      const opened: number[] = [];
      for (let i = 0; i < 4; i++) {
        opened.push(++id);
        c.send([3, id, 'stubborn', 1, null, { ms: 400 }]);
      }
      for (const o of opened) c.send([8, o]);
      // the handlers ignore the cancel for 400 ms: these must not start beside them
      for (let i = 0; i < 4; i++) c.send([3, ++id, 'stubborn', 1, null, { ms: 400 }]);
      for (let i = 0; i < 4; i++) refused.push((await c.next()).slice(0, 3)[2]);
      await until(() => live.now === 0, 5000);
    }
    expect(refused.every((code) => code === 'TOO_MANY_REQUESTS')).toBe(true);
    expect(live.peak).toBeLessThanOrEqual(4);
  });
});

describe('RPC credit values', () => {
  const bad = ['1e999', '-1e999', '1.5', '0', '-3', '"5"', 'null', 'true', '[1]', String(MAX_CREDIT + 1), '9007199254740993'];

  it('refuses a stream opened with a credit that is not an integer from 0 to MAX_CREDIT', async () => {
    const { port } = await serve();
    const c = await rawJson(port);
    let id = 0;
    for (const credit of bad.filter((b) => b !== '0')) {
      c.send(`[3,${++id},"ticks",${credit},null,{}]`);
      const env = await c.nextNotItem();
      expect([credit, ...env.slice(0, 3)]).toEqual([credit, 12, id, 'BAD_REQUEST']);
    }
  });

  it('fails a stream granted a bad credit with BAD_REQUEST, once', async () => {
    const { port } = await serve();
    const c = await rawJson(port);
    let id = 0;
    for (const credit of bad) {
      c.send(`[3,${++id},"ticks",1,null,{}]`);
      expect((await c.next()).slice(0, 2)).toEqual([13, id]);
      c.send(`[6,${id},${credit}]`);
      const env = await c.nextNotItem();
      expect([credit, ...env.slice(0, 3)]).toEqual([credit, 12, id, 'BAD_REQUEST']);
    }
    // credit piled up past the maximum is refused too
    c.send(`[3,${++id},"ticks",${MAX_CREDIT},null,{}]`);
    c.send(`[6,${id},1]`);
    expect((await c.nextNotItem()).slice(0, 3)).toEqual([12, id, 'BAD_REQUEST']);
    c.send('[9,1]');
    expect(await c.nextNotItem()).toEqual([10, 1]);
  });
});

/** A server that speaks the envelope protocol by hand, through zwire's listen(). */
async function hostile(onEnvelope: (env: unknown[], send: (text: string) => Promise<void>) => Promise<void> | void) {
  const server = await listen({ port: 0, selectProtocol: (offered) => (offered.includes(Subprotocol.json) ? Subprotocol.json : null) }, async (conn) => {
    for await (const m of conn) {
      const env = JSON.parse(m.text()) as unknown[];
      // the client's in-band Hello (its connection parameters) is answered with Welcome
      if (env[0] === 26) await conn.send('[27]');
      else await onEnvelope(env, (t) => conn.send(t));
    }
  });
  cleanup.push(() => server.close());
  return `ws://127.0.0.1:${server.port}`;
}

describe('RPC client against a server that breaks the protocol', () => {
  it('fails a stream whose server ignores its window instead of buffering', async () => {
    let cancels = 0;
    let sent = 0;
    const url = await hostile((env, send) => {
      if (env[0] === 8) cancels++;
      if (env[0] !== 3) return;
      void (async () => {
        for (let n = 0; n < 5000 && cancels === 0; n++) {
          sent++;
          await send(`[13,${env[1]},{"n":${n}}]`).catch(() => undefined);
          if (n % 64 === 0) await new Promise((r) => setImmediate(r));
        }
      })();
    });
    const client = createClient(service, url, { heartbeatMs: 0, streamWindow: 8, reconnect: false });
    cleanup.push(() => client.close());
    const stream = client.ticks({});
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual({ n: 0 });
    // the consumer stops here; the server keeps sending
    await until(() => sent > 1000 || cancels > 0, 10_000);
    const err = await rejection(
      (async () => {
        for (;;) await it.next();
      })(),
    );
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toMatch(/protocol error/);
    await until(() => cancels === 1);
  });

  it('fails a client stream whose server grants a bad credit', async () => {
    for (const credit of ['1e999', '1.5', '0', '-1', '"2"', String(MAX_CREDIT + 1)]) {
      const url = await hostile(async (env, send) => {
        if (env[0] === 4) await send(`[6,${env[1]},${credit}]`);
      });
      const client = createClient(service, url, { heartbeatMs: 0, reconnect: false });
      cleanup.push(() => client.close());
      const err = await rejection(client.sum([{ n: 1 }, { n: 2 }]));
      expect([credit, err.code]).toEqual([credit, 'BAD_REQUEST']);
    }
  });
});

/**
 * zwire's browser client in headless Chromium (playwright-core driving Debian's
 * chromium): the page is page.ts bundled by esbuild, served by node:http, and
 * calls an RPC server on another port over the browser's own WebSocket.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionInfo } from '../../src/server/connection-info.js';
import { createServer, type RpcServer } from '../../src/server/rpc-server.js';
import { RpcError } from '../../src/rpc/errors.js';
import type { api } from './page.js';
import { chat } from './service.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`skipping the Chromium tests: ${CHROMIUM} is missing (apt-get install chromium)`);

type Api = typeof api;
type Methods = (typeof chat)['methods'];

/** What the handlers saw, per server. */
class Probe {
  produced = 0;
  aborted: string[] = [];
  finished = 0;
  typing: string[] = [];
  protocols: string[] = [];
  /** Request targets and in-band tokens the context hook saw. */
  paths: string[] = [];
  tokens: (string | undefined)[] = [];
}

async function serveChat(probe: Probe, port: number): Promise<RpcServer<Methods, { protocol: string }>> {
  let nextId = 0;
  const server = createServer(
    chat,
    {
      send: ({ text }) => ({ id: ++nextId, text }),
      bytes: ({ data }) => ({ size: data.length, data }),
      history: async function* ({ count }, ctx) {
        try {
          for (let seq = 0; seq < count; seq++) {
            probe.produced++;
            yield { seq };
          }
        } finally {
          if (ctx.signal.aborted) probe.aborted.push('history');
          probe.finished++;
        }
      },
      produced: () => probe.produced,
      wait: ({ ms }, ctx) =>
        new Promise((resolve, reject) => {
          const t = setTimeout(() => resolve({ waited: ms }), ms);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(t);
            probe.aborted.push('wait');
            reject(ctx.signal.reason);
          });
        }),
      upload: async (items) => {
        let total = 0;
        for await (const { n } of items) total += n;
        return { total };
      },
      typing: ({ who }) => {
        probe.typing.push(who);
      },
      stamp: ({ at, n, tags, note }) => ({ at, next: n + 1n, seen: new Map([['server', new Date(at.getTime() + 1000)]]), tags: new Set([...tags, 'server']), note }),
    },
    {
      context: (info: ConnectionInfo) => {
        probe.protocols.push(info.protocol);
        probe.paths.push(info.path);
        probe.tokens.push(info.params.token);
        if (info.params.token === 'expired') throw new RpcError('UNAUTHORIZED', 'token expired');
        if (info.params.token === 'short-1') info.expireAt(Date.now() + 1000); // the refreshed token does not expire
        return { protocol: info.protocol };
      },
    },
  );
  await server.listen({ port, host: '127.0.0.1' });
  return server;
}

/** A port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let context: BrowserContext;
let page: Page;
let site: http.Server;
let userDataDir: string;

/** Runs one of the page's functions (api in page.ts) in Chromium. */
function inPage<K extends keyof Api>(name: K, ...args: Parameters<Api[K]>): Promise<Awaited<ReturnType<Api[K]>>> {
  return page.evaluate(
    ([n, a]) => {
      const zw = (globalThis as unknown as { zw: Record<string, (...x: unknown[]) => unknown> }).zw;
      return zw[n](...a);
    },
    [name, args] as [string, unknown[]],
  ) as Promise<Awaited<ReturnType<Api[K]>>>;
}

/** Serves the chat service for one test and opens the page's client `key` to it; both are closed afterwards. */
async function withPageClient(key: string, codec: 'json' | 'msgpack', body: (probe: Probe) => Promise<void>): Promise<void> {
  const probe = new Probe();
  const server = await serveChat(probe, 0);
  try {
    await inPage('open', key, `ws://127.0.0.1:${server.port}/`, codec);
    await body(probe);
    await inPage('close', key);
  } finally {
    await server.close();
  }
}

/** Serves the chat service for one test; the body opens its own page clients. */
async function withChat(body: (probe: Probe, port: number) => Promise<void>): Promise<void> {
  const probe = new Probe();
  const server = await serveChat(probe, 0);
  try {
    await body(probe, server.port);
  } finally {
    await server.close();
  }
}

describe.skipIf(!hasChromium)('the browser client in headless Chromium', () => {
  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('./page.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
    });
    const script = bundle.outputFiles[0].text;
    site = http.createServer((req, res) => {
      if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>zwire</title><script type="module" src="/page.js"></script>');
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    userDataDir = mkdtempSync(join(tmpdir(), 'zwire-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: FLAGS });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`http://127.0.0.1:${(site.address() as net.AddressInfo).port}/`);
    await page.waitForFunction(() => 'zw' in globalThis);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await new Promise((r) => site?.close(r));
    if (userDataDir !== undefined) rmSync(userDataDir, { recursive: true, force: true });
  });

  describe.each(['json', 'msgpack'] as const)('%s', (codec) => {
    it('makes typed unary calls, a client stream and a notification; the server validates', () =>
      withPageClient(`u-${codec}`, codec, async (probe) => {
        const got = await inPage('unary', `u-${codec}`);
        expect(got).toEqual({ sent: { id: 1, text: 'hello from Chromium' }, bytes: [1, 2, 255], size: 3, total: 55 });
        expect(await inPage('badInput', `u-${codec}`)).toBe('BAD_REQUEST');
        await until(() => probe.typing.length === 1);
        expect(probe.protocols).toEqual([`zwire.rpc.v1.${codec}`]);
      }));

    it('carries Date, bigint, Map, Set and an undefined field both ways', () =>
      withPageClient(`v-${codec}`, codec, async () => {
        expect(await inPage('values', `v-${codec}`)).toEqual({
          at: '2024-02-29T12:00:00.000Z',
          next: '18446744073709551617n',
          seen: [['server', '2024-02-29T12:00:01.000Z']],
          tags: ['a', 'b', 'server'],
          note: 'undefined',
        });
      }));

    it('holds a server stream to the window while the page does not read, then delivers every item in order', () =>
      withPageClient(`s-${codec}`, codec, async () => {
        const { producedWhilePaused, seqs } = await inPage('slowConsumer', `s-${codec}`, 400, 40);
        // 40 read + a window of 16 granted ahead (+1 the generator may have computed before waiting for credit)
        expect(producedWhilePaused).toBeGreaterThanOrEqual(40);
        expect(producedWhilePaused).toBeLessThanOrEqual(40 + 16 + 1);
        expect(seqs).toEqual(Array.from({ length: 400 }, (_, i) => i));
      }));
  });

  it('cancels a call by its AbortSignal and a stream left early, at the server too', () =>
    withPageClient('c', 'json', async (probe) => {
      const { call, firstItems } = await inPage('cancel', 'c');
      expect(call).toBe('CANCELLED');
      expect(firstItems).toEqual([0, 1, 2, 3, 4]);
      await until(() => probe.aborted.includes('wait') && probe.aborted.includes('history'));
      expect(probe.finished).toBe(1);
      expect(probe.produced).toBeLessThan(100);
    }));

  it('reconnects after the server restarts on the same port; a call made while it was down is answered', async () => {
    const probe = new Probe();
    let server = await serveChat(probe, 0);
    const port = server.port;
    await inPage('open', 'r', `ws://127.0.0.1:${port}/`, 'msgpack');
    expect(await inPage('later', 'r')).toEqual({ id: 1, text: 'after the restart' });
    await server.close();
    await page.waitForFunction(() => (globalThis as unknown as { zw: Api }).zw.states('r').includes('reconnecting'));
    const queued = inPage('later', 'r');
    await new Promise((r) => setTimeout(r, 300));
    server = await serveChat(probe, port);
    try {
      expect(await queued).toEqual({ id: 1, text: 'after the restart' });
      expect(await inPage('states', 'r')).toEqual(['connecting', 'open', 'reconnecting', 'open']);
      expect(probe.protocols).toEqual(['zwire.rpc.v1.msgpack', 'zwire.rpc.v1.msgpack']);
      await inPage('close', 'r');
    } finally {
      await server.close();
    }
  });

  it('fails calls with UNAVAILABLE when nothing listens, after its bounded retries', async () => {
    const port = await closedPort();
    await inPage('open', 'x', `ws://127.0.0.1:${port}/`, 'json', 3);
    expect(await inPage('refused', 'x')).toBe('UNAVAILABLE');
    expect(await inPage('states', 'x')).toEqual(['connecting', 'reconnecting', 'closed']);
  });

  it('sends its token in-band, not in the URL', () =>
    withChat(async (probe, port) => {
      await inPage('openWithToken', 't', `ws://127.0.0.1:${port}/chat`, 'tok-123');
      expect(await inPage('later', 't')).toEqual({ id: 1, text: 'after the restart' });
      expect(probe.tokens).toEqual(['tok-123']);
      expect(probe.paths).toEqual(['/chat?zwire-hello=1']);
      await inPage('close', 't');
    }));

  it('a refused connection reaches the page as UNAUTHORIZED and stops retrying', () =>
    withChat(async (probe, port) => {
      await inPage('openWithToken', 'f', `ws://127.0.0.1:${port}/`, 'expired');
      expect(await inPage('allRefused', 'f')).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED']);
      expect(await inPage('states', 'f')).toEqual(['connecting', 'closed']);
      await new Promise((r) => setTimeout(r, 500)); // well past the 50-200 ms backoff: no second attempt
      expect(probe.tokens).toEqual(['expired']);
    }));

  it('after the server closes at the expiry (4440), fetches a fresh token and reconnects at once', () =>
    withChat(async (probe, port) => {
      await inPage('openRefreshing', 'e', `ws://127.0.0.1:${port}/`, 'short-');
      expect(await inPage('later', 'e')).toEqual({ id: 1, text: 'after the restart' });
      // the client's backoff is 30 s: only the immediate reconnect after 4440 opens the second connection in time
      await until(() => probe.tokens.length === 2);
      await page.waitForFunction(() => (globalThis as unknown as { zw: Api }).zw.states('e').filter((s) => s === 'open').length === 2);
      expect(probe.tokens).toEqual(['short-1', 'short-2']);
      expect(await inPage('states', 'e')).toEqual(['connecting', 'open', 'reconnecting', 'open']);
      await inPage('close', 'e');
    }));

  it('runs the validating client, with the definition in the page', async () => {
    const server = await serveChat(new Probe(), 0);
    try {
      expect(await inPage('validating', `ws://127.0.0.1:${server.port}/`)).toEqual({ id: 1, text: 'validated' });
    } finally {
      await server.close();
    }
  });
});

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServer } from '../../src/server/rpc-server.js';
import type { Handlers } from '../../src/rpc/handlers.js';
import { defineService } from '../../src/rpc/service.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const key = readFileSync(new URL('../fixtures/localhost-key.pem', import.meta.url));
const cert = readFileSync(new URL('../fixtures/localhost-cert.pem', import.meta.url));

/**
 * The page's script: zwire's types-only browser client (no definition, no zod in the page) with topic
 * support imported, over the page's own WebSocket: a call, a stream, and a subscription that receives
 * a burst of publications.
 */
const PAGE_ENTRY = `
import { createClient } from './src/client/rpc-browser.ts';
import './src/client/topics.ts';
window.runRpc = async (url) => {
  const client = createClient(url, { reconnect: false });
  const sum = await client.add({ a: 2, b: 40 });
  const items = [];
  for await (const item of client.count({ to: 3 })) items.push(item.n);
  const sub = client.ticks.subscribe({ room: 'r' });
  const offsets = [];
  sub.on('publication', (_m, position) => offsets.push(position.offset));
  const start = (await sub.ready()).position.offset;
  // a types-only call is sent once awaited or then()ed: then() sends it while the loop below reads
  const burst = client.burst({ room: 'r', count: 20 }).then((r) => r);
  const received = [];
  for await (const m of sub) {
    received.push(m.n);
    if (received.length === 20) break;
  }
  await burst;
  await client.close();
  return { sum, items, received, offsets: offsets.map((o) => o - start) };
};
`;

const service = defineService({
  add: { input: z.object({ a: z.number(), b: z.number() }), output: z.number() },
  count: { input: z.object({ to: z.number() }), stream: z.object({ n: z.number() }) },
  burst: { input: z.object({ room: z.string(), count: z.number().int().max(100) }), output: z.null() },
  ticks: { topic: z.object({ room: z.string() }), message: z.object({ n: z.number() }) },
});

type Svc = (typeof service)['methods'];

/** Publishes 1..count on the room without waiting between publications: the order is the engine's, kept to the page. */
const burst: Handlers<Svc, unknown>['burst'] = async ({ room, count }, ctx) => {
  const sent: Promise<unknown>[] = [];
  for (let n = 1; n <= count; n++) sent.push(ctx.publish('ticks', { room }, { n }));
  await Promise.all(sent);
  return null;
};

const inOrder = Array.from({ length: 20 }, (_, i) => i + 1);

let script = '';

function servePage(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  const path = headers[':path'];
  if (path === '/client.js') stream.respond({ ':status': 200, 'content-type': 'text/javascript' });
  else if (path === '/') stream.respond({ ':status': 200, 'content-type': 'text/html' });
  else return void stream.respond({ ':status': 404 }, { endStream: true });
  stream.end(path === '/' ? '<!doctype html><script src="/client.js"></script>' : script);
}

async function runInPage(browser: BrowserContext, port: number): Promise<unknown> {
  const page = await browser.newPage();
  try {
    const nav = await page.goto(`https://localhost:${port}/`);
    expect(nav?.status()).toBe(200);
    await page.waitForFunction(() => typeof (window as unknown as { runRpc?: unknown }).runRpc === 'function');
    return await page.evaluate((url) => (window as unknown as { runRpc(u: string): Promise<unknown> }).runRpc(url), `wss://localhost:${port}/rpc`);
  } finally {
    await page.close();
  }
}

describe.skipIf(!existsSync(CHROMIUM))('a browser speaks WebSockets over HTTP/2 to zwire (skipped without /usr/bin/chromium: apt-get install chromium)', () => {
  let browser: BrowserContext;
  let userDir: string;
  let h2: http2.Http2SecureServer;
  const streams: { method: string; protocol: string | undefined }[] = [];
  const sessions = new Set<http2.ServerHttp2Session>();
  let upgrades = 0;
  const rpc = createServer(service, {
    add: ({ a, b }) => a + b,
    count: async function* ({ to }) {
      for (let n = 1; n <= to; n++) yield { n };
    },
    burst,
    ticks: {},
  });

  beforeAll(async () => {
    const bundle = await esbuild.build({
      stdin: { contents: PAGE_ENTRY, resolveDir: ROOT, loader: 'js' },
      bundle: true,
      format: 'iife',
      platform: 'browser',
      write: false,
    });
    script = bundle.outputFiles[0].text;
    // the page and its WebSockets on one origin: Chromium opens a WebSocket over HTTP/2 only on an
    // HTTP/2 connection it already has whose SETTINGS enabled extended CONNECT
    h2 = http2.createSecureServer({ key, cert, allowHTTP1: true, settings: { enableConnectProtocol: true } });
    h2.on('stream', (stream, headers) => {
      const method = String(headers[':method']);
      streams.push({ method, protocol: headers[':protocol'] as string | undefined });
      if (method === 'CONNECT') return void rpc.handleHttp2Stream(stream, headers);
      servePage(stream, headers);
    });
    h2.on('session', (s) => sessions.add(s));
    h2.on('upgrade', (_req, socket) => {
      upgrades++;
      socket.destroy();
    });
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
    userDir = mkdtempSync(join(tmpdir(), 'zwire-chromium-'));
    // a fresh --user-data-dir, given the way playwright takes it
    browser = await chromium.launchPersistentContext(userDir, {
      executablePath: CHROMIUM,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--ignore-certificate-errors',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await rpc.close();
    await new Promise<void>((r) => {
      h2.close(() => r());
      for (const s of sessions) s.destroy();
    });
    rmSync(userDir, { recursive: true, force: true });
  });

  it('new WebSocket(wss://…) arrives as an extended CONNECT and runs an RPC call, a stream and a subscription', async () => {
    const port = (h2.address() as AddressInfo).port;
    const result = await runInPage(browser, port);
    // every publication arrives, in publish order, one offset after the other
    expect(result).toEqual({ sum: 42, items: [1, 2, 3], received: inOrder, offsets: inOrder });
    const connects = streams.filter((s) => s.method === 'CONNECT');
    expect(connects.length).toBe(1);
    expect(connects[0].protocol).toBe('websocket');
    // nothing came as an HTTP/1.1 upgrade: the WebSocket was an HTTP/2 stream ('stream' events are HTTP/2 only)
    expect(upgrades).toBe(0);
    expect(sessions.size).toBeGreaterThanOrEqual(1);
  });

  it("the RPC server's own listen({ http2: { key, cert } }) serves the page and the browser's WebSocket on one port", async () => {
    const own = createServer(service, { add: ({ a, b }) => a + b, count: async function* () {}, burst, ticks: {} });
    const pageRequests: string[] = [];
    const { port } = await own.listen({
      http2: {
        key,
        cert,
        // onRequest only ever sees HTTP/2 streams (HTTP/1.1 requests would get 426), so the page came over HTTP/2
        onRequest: (stream, headers) => {
          pageRequests.push(String(headers[':path']));
          servePage(stream, headers);
        },
      },
    });
    try {
      const result = (await runInPage(browser, port)) as { sum: number; received: number[] };
      expect(result.sum).toBe(42);
      expect(result.received).toEqual(inOrder);
      expect(pageRequests).toContain('/client.js');
    } finally {
      await own.close();
    }
  });
});

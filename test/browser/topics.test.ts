/**
 * The browser client subscribes to topics over Chromium's own WebSocket
 * (headless Chromium driven by playwright-core; the page is the esbuild
 * bundle of topics-page.ts).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../rpc/fixture.js';
import { chatClient, chatHandlers, type Chat, type Ctx } from '../rpc/topics-fixture.js';
import { createServer, type RpcServer } from '../../src/server/rpc-server.js';
import { chat } from '../rpc/topics-service.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.skipIf(!existsSync(CHROMIUM))('browser client topics in Chromium (needs /usr/bin/chromium: apt-get install chromium)', () => {
  let context: BrowserContext;
  let profile: string;
  let httpServer: http.Server;
  let rpc: RpcServer<Chat, Ctx>;
  let port = 0;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('./topics-page.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    const page = `<!doctype html><meta charset="utf-8"><script type="module">${bundle.outputFiles[0].text.replaceAll('</script', '<\\/script')}</script>`;
    rpc = createServer(chat, chatHandlers, { context: (info) => ({ user: info.params.user ?? 'anon' }) });
    httpServer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
    httpServer.on('upgrade', (req, socket, head) => void rpc.handleUpgrade(req, socket, head));
    await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
    port = (httpServer.address() as { port: number }).port;
    profile = mkdtempSync(join(tmpdir(), 'zwire-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await rpc?.close();
    await new Promise((r) => httpServer?.close(r));
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  });

  it.each(['json', 'msgpack'])('subscribes, sees presence, receives in order and is refused a personal channel (%s)', async (codec) => {
    const watcher = chatClient(`ws://127.0.0.1:${port}/`, 'node').room.subscribe({ room: 'web' });
    const joins: string[] = [];
    watcher.on('join', (p) => joins.push(p.user));
    await watcher.ready();
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/?codec=${codec}`);
    await page.waitForFunction(() => window.result !== undefined, undefined, { timeout: 20_000 });
    const result = (await page.evaluate(() => window.result)) as Record<string, unknown>;
    await page.close();
    expect(result).toEqual({
      codec,
      joined: ['browser'],
      presence: ['node', 'browser'],
      texts: ['browser: hi 0', 'browser: hi 1', 'browser: hi 2'],
      refused: 'FORBIDDEN',
      position: expect.any(Number),
    });
    await until(() => joins.includes('browser'));
    await watcher.unsubscribe();
  }, 30_000);
});

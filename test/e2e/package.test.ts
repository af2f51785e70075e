/**
 * The published shape: every entry point of package.json "exports" loads from
 * the tsup build (ESM and CJS) and works, as a user's `import 'zwire/...'` would;
 * `npm pack` ships the build, the docs the README links to and the LICENSE, and nothing else.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Run a script with node in the package root, where `zwire` resolves to this package through its exports map. */
function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 30_000 });
}

/** Newest modification time under a folder (or of a file). */
function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

beforeAll(() => {
  const built = `${root}dist/index.js`;
  const sources = Math.max(newest(`${root}src`), newest(`${root}package.json`), newest(`${root}tsup.config.ts`), newest(`${root}tsconfig.json`));
  if (!existsSync(built) || statSync(built).mtimeMs < sources) {
    execFileSync(process.execPath, [`${root}node_modules/tsup/dist/cli-default.js`], { cwd: root, stdio: 'ignore' });
  }
}, 180_000);

describe('package exports', () => {
  it('ESM: the issue example runs from the build (zwire/rpc + zwire/client), and zwire + zwire/client echo', () => {
    const script = `
      import { z } from 'zod';
      import { defineService, createServer } from 'zwire/rpc';
      import { createClient, connect } from 'zwire/client';
      import { listen } from 'zwire';
      const greeter = defineService({
        greet: { input: z.object({ name: z.string() }), output: z.object({ message: z.string() }) },
        count: { input: z.object({ to: z.number().int() }), stream: z.object({ n: z.number() }) },
      });
      const server = createServer(greeter, {
        greet: async ({ name }) => ({ message: 'hello ' + name }),
        count: async function* ({ to }) { for (let n = 1; n <= to; n++) yield { n }; },
      });
      const { port } = await server.listen({ port: 0 });
      const client = createClient(greeter, 'ws://127.0.0.1:' + port, { codec: 'msgpack' });
      const { message } = await client.greet({ name: 'Ada' });
      const ns = [];
      for await (const { n } of client.count({ to: 3 })) ns.push(n);
      await client.close(); await server.close();
      const echo = await listen({ port: 0, host: '127.0.0.1' }, async (conn) => {
        for await (const m of conn) await conn.send(m.data, { binary: m.binary });
      });
      const conn = await connect('ws://127.0.0.1:' + echo.port);
      await conn.send('ping?');
      let got;
      for await (const m of conn) { got = m.text(); break; }
      await conn.close(1000); await echo.close();
      console.log(JSON.stringify({ message, ns, got }));
    `;
    const out = node(['--input-type=module', '-e', script]);
    expect(JSON.parse(out)).toEqual({ message: 'hello Ada', ns: [1, 2, 3], got: 'ping?' });
  });

  it('CJS: every entry point requires, and the wire layer round-trips a masked frame', () => {
    const script = `
      const wire = require('zwire/wire');
      for (const entry of ['zwire', 'zwire/upgrade', 'zwire/deflate', 'zwire/rpc', 'zwire/client', 'zwire/client/browser', 'zwire/client/msgpack', 'zwire/client/topics', 'zwire/redis']) require(entry);
      const parts = wire.encodeFrame(wire.Opcode.Text, 'héllo', { mask: true });
      const p = new wire.FrameParser({ role: 'server' });
      for (const part of parts) p.push(part);
      let text = '';
      for (let r; (r = p.next()) !== wire.FrameParser.NEED_MORE; ) if (r === wire.FrameParser.DATA) text += Buffer.from(p.data).toString();
      console.log(JSON.stringify({
        text,
        listen: typeof require('zwire').listen,
        upgrade: typeof require('zwire/upgrade').upgrade,
        deflate: typeof require('zwire/deflate').PerMessageDeflate,
        rpc: typeof require('zwire/rpc').createServer,
        client: typeof require('zwire/client').createClient,
        browser: typeof require('zwire/client/browser').createClient,
        redis: typeof require('zwire/redis').redisEngine,
      }));
    `;
    expect(JSON.parse(node(['-e', script]))).toEqual({
      text: 'héllo',
      listen: 'function',
      upgrade: 'function',
      deflate: 'function',
      rpc: 'function',
      client: 'function',
      browser: 'function',
      redis: 'function',
    });
  });

  it('one RpcError across the builds: instanceof holds between the ESM and the CJS copy, both ways', () => {
    const script = `
      import { createRequire } from 'node:module';
      import * as esm from 'zwire/rpc';
      import * as esmClient from 'zwire/client';
      const cjs = createRequire(import.meta.url)('zwire/rpc');
      const fromEsm = new esm.RpcError('APP_QUOTA', 'esm');
      const fromCjs = new cjs.RpcError('NOT_FOUND', 'cjs');
      console.log(JSON.stringify({
        distinctClasses: esm.RpcError !== cjs.RpcError,
        esmIsCjs: fromEsm instanceof cjs.RpcError,
        cjsIsEsm: fromCjs instanceof esm.RpcError,
        clientSeesCjs: esmClient.isRpcError(fromCjs, 'NOT_FOUND'),
        plainError: new Error('x') instanceof cjs.RpcError,
      }));
    `;
    expect(JSON.parse(node(['--input-type=module', '-e', script]))).toEqual({
      distinctClasses: true,
      esmIsCjs: true,
      cjsIsEsm: true,
      clientSeesCjs: true,
      plainError: false,
    });
  });

  it('the published declarations show only the public API: no @internal member, none of the internal parts', () => {
    const dts = readdirSync(`${root}dist`, { recursive: true, encoding: 'utf8' }).filter((f) => /\.d\.c?ts$/.test(f));
    expect(dts).toContain('index.d.ts');
    // The Conn's parts and the classes it was once built from; message-layer queue items by their declarations
    // (an RPC client's `interface Pending` is another thing).
    const internal = /\b(ConnBase|ConnSender|ConnControl|ConnClosing|ConnInbound|ConnReceiver|ConnCore|Outbound|Inbound|Receiver|Closing|Control|FrameSink|SinkOwner|OverBudget|BudgetOwner|ReadExtras|Assembly|Ending|ProgressWatched|ItemIterator|PingWait)\b|class (Signal|Pending)\b/g;
    const found: string[] = [];
    for (const file of dts) {
      const text = readFileSync(join(root, 'dist', file), 'utf8');
      if (text.includes('@internal')) found.push(`${file}: @internal`);
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      for (const m of code.matchAll(internal)) found.push(`${file}: ${m[0]}`);
    }
    expect(found).toEqual([]);
    const index = readFileSync(`${root}dist/index.d.ts`, 'utf8');
    expect(index).toMatch(/\bConn\b/);
  });

  it('npm pack ships dist, docs, README and LICENSE, every exported file, and no sources, tests or benchmarks', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    const files = new Set((JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path));
    for (const f of ['LICENSE', 'README.md', 'package.json', 'docs/rpc-protocol.md', 'docs/message.md', 'docs/deflate.md']) expect(files).toContain(f);
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, string | Record<string, string>> };
    for (const target of Object.values(pkg.exports)) {
      for (const path of typeof target === 'string' ? [target] : Object.values(target)) {
        expect(files).toContain(path.replace(/^\.\//, ''));
        if (path.endsWith('.js') && path.startsWith('./dist/')) expect(files).toContain(path.replace(/^\.\//, '').replace(/\.js$/, '.d.ts'));
      }
    }
    expect([...files].filter((f) => /^(src|test|bench|examples|node_modules)\//.test(f))).toEqual([]);
    // every link from the README into docs/ lands on a file in the package
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const docLinks = [...readme.matchAll(/\]\((docs\/[^)#]+)/g)].map((m) => m[1]);
    expect(docLinks.length).toBeGreaterThan(0);
    for (const link of docLinks) expect(files).toContain(link);
  });

  it('bin: the zwire command runs from the build, with its shebang', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { bin: Record<string, string> };
    const bin = `${root}${pkg.bin.zwire}`;
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(node([bin, '--help'])).toContain('zwire call <url> <method>');
  });
});

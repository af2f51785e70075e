/**
 * The size a browser app pays for zwire's client, measured as the README
 * states it: esbuild --bundle --minify, then gzip (node:zlib, default level).
 * The types-only JSON client must stay within 8 KB gzip (tRPC's wsLink: 8.7 KB).
 */
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUDGET = 8 * 1024;

const TYPES_ONLY = `
import { createClient } from './src/client/rpc-browser.js';
import type { chat } from './test/browser/service.js';
const client = createClient<typeof chat>('ws://127.0.0.1:1', { notify: ['typing'] });
(globalThis as { client?: unknown }).client = client;
`;

/** The programs measured: what a page imports for each way of using the client. */
const PROGRAMS = {
  'types-only, JSON': TYPES_ONLY,
  'types-only, msgpack': `
import { msgpack } from './src/client/msgpack.js';
${TYPES_ONLY.replace("{ notify: ['typing'] }", "{ notify: ['typing'], codec: msgpack }")}`,
  'validating, zod': `
import { createClient } from './src/client/rpc-browser.js';
import { chat } from './test/browser/service.js';
(globalThis as { client?: unknown }).client = createClient(chat, 'ws://127.0.0.1:1');
`,
  'validating, zod/mini': `
import * as z from 'zod/mini';
import { createClient, defineService } from './src/client/rpc-browser.js';
const chat = defineService({
  send: { input: z.object({ room: z.string(), text: z.string().check(z.minLength(1)) }), output: z.object({ id: z.number(), text: z.string() }) },
  history: { input: z.object({ count: z.number().check(z.int()) }), stream: z.object({ seq: z.number() }) },
});
(globalThis as { client?: unknown }).client = createClient(chat, 'ws://127.0.0.1:1');
`,
} as const;

interface Measure {
  minified: number;
  gzip: number;
  packages: string[];
}

async function measure(program: string): Promise<Measure> {
  const out = await build({
    stdin: { contents: program, resolveDir: ROOT, loader: 'ts', sourcefile: 'page.ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
  });
  const code = out.outputFiles[0].contents;
  const packages = new Set<string>();
  for (const input of Object.keys(out.metafile.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    if (m !== null) packages.add(m[1]);
  }
  return { minified: code.byteLength, gzip: gzipSync(code).byteLength, packages: [...packages].sort() };
}

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

/** The bundles, measured once for the tests below. */
let measured: Promise<Record<string, Measure>> | null = null;
function bundles(): Promise<Record<string, Measure>> {
  return (measured ??= (async () => {
    const rows: string[] = [];
    const results: Record<string, Measure> = {};
    for (const [name, program] of Object.entries(PROGRAMS)) {
      results[name] = await measure(program);
      rows.push(`${name.padEnd(22)} ${kb(results[name].minified).padStart(9)} min ${kb(results[name].gzip).padStart(8)} gzip (${results[name].gzip} B)  ${results[name].packages.join(' ') || '(no dependency)'}`);
    }
    console.log(`browser bundles:\n${rows.join('\n')}`);
    return results;
  })());
}

describe('browser bundle size (esbuild --bundle --minify + gzip)', () => {
  it('keeps zod and msgpackr out of the bundles that do not ask for them', async () => {
    const results = await bundles();
    expect(results['types-only, JSON'].packages).toEqual([]);
    expect(results['types-only, msgpack'].packages).toEqual(['msgpackr']);
    expect(results['validating, zod'].packages).toEqual(['zod']);
    expect(results['validating, zod/mini'].packages).toEqual(['zod']);
  }, 60_000);

  it(`keeps the types-only JSON client within ${kb(BUDGET)} (${BUDGET} B) gzip`, async () => {
    expect((await bundles())['types-only, JSON'].gzip).toBeLessThanOrEqual(BUDGET);
  }, 60_000);
});

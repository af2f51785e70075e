import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Every module the file reaches through static and dynamic imports, and every bare or node: specifier. */
function graph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)) {
      const spec = m[1] ?? m[2];
      if (/^import\s+type\s/.test(m[0]) || /^export\s+type\s/.test(m[0])) continue;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(resolve(SRC, entry));
  return { files, packages };
}

describe('browser-safe RPC client', () => {
  it('reaches no Node built-in and none of the server layers', () => {
    const { files, packages } = graph('client/rpc-browser.ts');
    expect([...packages]).toEqual([]);
    const layers = [...files].map((f) => f.slice(SRC.length + 1).split('/')[0]);
    // besides client and rpc, only the error base every layer shares (src/errors.ts, no imports of its own)
    expect(new Set(layers)).toEqual(new Set(['client', 'rpc', 'errors.ts']));
    expect([...files].some((f) => f.endsWith('create-server.ts') || f.endsWith('transport-zwire.ts'))).toBe(false);
  });

  it('loads msgpackr only through the opt-in zwire/client/msgpack entry', () => {
    expect([...graph('client/msgpack.ts').packages]).toEqual(['msgpackr']);
  });

  it('is what zwire/client re-exports, plus the Node transport', () => {
    const { files } = graph('client/index.ts');
    expect([...files].some((f) => f.endsWith('transport-zwire.ts'))).toBe(true);
    expect([...files].some((f) => f.endsWith('rpc-browser.ts'))).toBe(true);
  });
});

/**
 * The arrows of ../shared/DESIGN.md, enforced: every import (type imports
 * included) from one folder of src/ into another must be one the layering
 * allows, and the RPC core and the engine use no Node built-in (they run in
 * browsers and behind any broker).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** What each folder may import besides itself, the shared error base (src/errors.ts) and the shared limit defaults (src/limits.ts). */
const ALLOWED: Record<string, readonly string[]> = {
  wire: [],
  upgrade: [],
  deflate: [],
  engine: [],
  message: ['wire'],
  rpc: ['engine'],
  redis: ['engine'],
  // where the layers are assembled: the server side, and the client's dialer (which negotiates deflate too)
  server: ['wire', 'upgrade', 'deflate', 'message', 'rpc', 'engine'],
  client: ['wire', 'upgrade', 'deflate', 'message', 'rpc'],
  cli: ['client', 'rpc'],
};

/**
 * Where a folder may enter another only through that folder's index files:
 * the client reaches rpc through its public core (index.ts), its index for
 * clients of the envelope protocol (protocol.ts) and the two that load a
 * package (msgpack.ts, telemetry.ts), never a module behind them.
 */
const THROUGH_INDEX: Record<string, Record<string, readonly string[]>> = {
  client: { rpc: ['index.ts', 'protocol.ts', 'msgpack.ts', 'telemetry.ts'] },
};

/** Folders that must run without Node: no `node:` module and no bare built-in name. */
const NO_NODE = ['rpc', 'engine'];

const SHARED = new Set(['errors.ts', 'limits.ts']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** [importing file, specifier] for every static import, re-export and dynamic import. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)\s[^'";]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]);
}

function folderOf(path: string): string {
  const rel = relative(SRC, path).split(sep);
  return rel.length === 1 ? '' : rel[0];
}

const all = files(SRC);
const builtins = new Set(builtinModules);

describe('layering (DESIGN.md arrows)', () => {
  it('every folder of src/ has a rule', () => {
    const folders = new Set(all.map(folderOf).filter((f) => f !== ''));
    expect([...folders].filter((f) => !(f in ALLOWED))).toEqual([]);
  });

  it('imports across folders point down only', () => {
    const wrong: string[] = [];
    for (const file of all) {
      const from = folderOf(file);
      if (from === '') continue; // src/index.ts (the zwire entry) and src/errors.ts
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(file), spec);
        const to = folderOf(target);
        if (to === from) continue;
        if (to === '' && SHARED.has(relative(SRC, target).replace(/\.js$/, '.ts'))) continue;
        if (!ALLOWED[from]?.includes(to)) wrong.push(`${relative(SRC, file)} -> ${spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the client imports rpc only through its index files', () => {
    const wrong: string[] = [];
    for (const file of all) {
      const from = folderOf(file);
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(file), spec);
        const indexes = THROUGH_INDEX[from]?.[folderOf(target)];
        if (indexes === undefined) continue;
        const entered = relative(join(SRC, folderOf(target)), target).replace(/\.js$/, '.ts');
        if (!indexes.includes(entered)) wrong.push(`${relative(SRC, file)} -> ${spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the RPC core and the engine import no Node built-in', () => {
    const wrong: string[] = [];
    for (const file of all) {
      if (!NO_NODE.includes(folderOf(file))) continue;
      for (const spec of imports(file)) if (spec.startsWith('node:') || builtins.has(spec)) wrong.push(`${relative(SRC, file)} -> ${spec}`);
    }
    expect(wrong).toEqual([]);
  });
});

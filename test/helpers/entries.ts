/**
 * The package's public entries (package.json "exports") and the source file
 * each is built from (tsup.config.ts), read from those two files so that a new
 * entry is covered by the tests that walk them without being listed here.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One public entry: its import specifier (`zwire/rpc`) and its source file, relative to the root. */
export interface PublicEntry {
  specifier: string;
  source: string;
}

/** Every entry of package.json "exports" that is code, with its source. */
export function publicEntries(): PublicEntry[] {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { name: string; exports: Record<string, string | { import?: string }> };
  const tsup = readFileSync(`${ROOT}tsup.config.ts`, 'utf8');
  const sources = new Map<string, string>();
  for (const m of tsup.matchAll(/(?:'([^']+)'|(\w+)):\s*'(src\/[^']+\.ts)'/g)) sources.set(m[1] ?? m[2], m[3]);
  const entries: PublicEntry[] = [];
  for (const [key, target] of Object.entries(pkg.exports)) {
    const file = typeof target === 'string' ? target : target.import;
    if (file === undefined || !file.endsWith('.js')) continue; // ./package.json
    const built = file.replace(/^\.\/dist\//, '').replace(/\.js$/, '');
    const source = sources.get(built);
    if (source === undefined) throw new Error(`no tsup entry builds ${file} (export ${key})`);
    entries.push({ specifier: key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`, source });
  }
  return entries;
}

/** Absolute path of a file relative to the package root. */
export function rootPath(relative: string): string {
  return `${ROOT}${relative}`;
}

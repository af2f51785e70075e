/**
 * No two public entries export different types or values under one name: a
 * user importing `Role` from zwire and from zwire/wire gets the same thing.
 * Read from the sources by the TypeScript compiler, so it runs without a build.
 */
import { describe, expect, it } from 'vitest';
import { exportedNames, type ExportedName } from './helpers/export-names.js';

let read: Map<string, ExportedName[]> | null = null;
const names = (): Map<string, ExportedName[]> => (read ??= exportedNames());

describe('public names', () => {
  it('one name, one declaration across all entries', () => {
    const byName = new Map<string, Map<string, string[]>>();
    for (const [specifier, exported] of names()) {
      for (const { name, declaredAt } of exported) {
        const decls = byName.get(name) ?? new Map<string, string[]>();
        byName.set(name, decls);
        decls.set(declaredAt, [...(decls.get(declaredAt) ?? []), specifier]);
      }
    }
    const clashes = [...byName]
      .filter(([, decls]) => decls.size > 1)
      .map(([name, decls]) => `${name}: ${[...decls].map(([at, specs]) => `${specs.join(' ')} (${at})`).join(' vs ')}`);
    expect(clashes).toEqual([]);
  }, 60_000);

  it('reads every entry', () => {
    const all = names();
    expect(all.get('zwire')?.some((n) => n.name === 'Conn')).toBe(true);
    expect(all.get('zwire/rpc')?.some((n) => n.name === 'createServer')).toBe(true);
    expect(all.get('zwire/client')?.some((n) => n.name === 'createClient')).toBe(true);
  }, 60_000);
});

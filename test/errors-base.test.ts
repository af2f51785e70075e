/**
 * One error base: every error class a public entry exports extends
 * ZwireError and carries a `code`, so `err instanceof ZwireError` and
 * `err.code` answer for whatever zwire throws.
 */
import { describe, expect, it } from 'vitest';
import { ZwireError } from '../src/errors.js';
import { publicEntries, rootPath } from './helpers/entries.js';

type Constructor = abstract new (...args: never[]) => unknown;

function isErrorClass(value: unknown): value is Constructor {
  return typeof value === 'function' && (value as { prototype?: unknown }).prototype instanceof Error;
}

describe('error base', () => {
  const entries = publicEntries();

  it('finds the public entries', () => {
    expect(entries.map((e) => e.specifier)).toEqual(expect.arrayContaining(['zwire', 'zwire/wire', 'zwire/rpc', 'zwire/client', 'zwire/redis']));
  });

  it.each(entries)('every error class $specifier exports extends ZwireError', async ({ source }) => {
    const mod = (await import(rootPath(source))) as Record<string, unknown>;
    const errors = Object.entries(mod).filter(([, v]) => isErrorClass(v));
    const foreign = errors.filter(([, v]) => v !== ZwireError && !((v as Constructor).prototype instanceof ZwireError)).map(([k]) => k);
    expect(foreign).toEqual([]);
  });

  it('every entry that exports an error class exports the base too', async () => {
    const missing: string[] = [];
    for (const { specifier, source } of entries) {
      const mod = (await import(rootPath(source))) as Record<string, unknown>;
      if (Object.values(mod).some(isErrorClass) && mod.ZwireError !== ZwireError) missing.push(specifier);
    }
    expect(missing).toEqual([]);
  });

  it('close codes are a typed property, present only on errors that close a connection', () => {
    const closing = new ZwireError('ERR_X', 'x', { closeCode: 1009 });
    expect(closing.closeCode).toBe(1009);
    expect(Object.hasOwn(new ZwireError('ERR_Y', 'y'), 'closeCode')).toBe(false);
    expect(Object.hasOwn(new ZwireError('ERR_Y', 'y'), 'cause')).toBe(false);
    expect(new ZwireError('ERR_Z', 'z', { cause: 1 }).cause).toBe(1);
  });
});

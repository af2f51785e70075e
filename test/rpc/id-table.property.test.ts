/**
 * IdTable, the table of open calls of the server session and the Node client, behaves as a
 * Map from id to call under any sequence of files, removals and clears:
 * dense ranges of ids (probe runs form and deletions must close their gaps),
 * ids spaced by powers of two, any id up to the largest, and the growth past
 * half full, and filing a call again under its own id (as Map.set). A sliding
 * window of a thousand calls stays cheap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdTable } from '../../src/rpc/id-table.js';
import { collectedMemory } from '../helpers/collected-memory.js';

interface Call {
  readonly id: number;
}

type Op = { op: 'set'; id: number } | { op: 'delete'; id: number } | { op: 'clear' };

/** Ids from a dense range, spaced by powers of two, or anywhere. */
const idArb = fc.oneof(
  fc.integer({ min: 1, max: 40 }),
  fc.integer({ min: 0, max: 8 }).map((k) => 1 + 32 * k),
  fc.integer({ min: 0, max: 8 }).map((k) => 5 + 1024 * k),
  fc.integer({ min: 1, max: 0x7fffffff }),
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: idArb.map((id) => ({ op: 'set' as const, id })) },
  { weight: 4, arbitrary: idArb.map((id) => ({ op: 'delete' as const, id })) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
);

describe('IdTable', () => {
  it('answers as a Map does after every operation', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 400 }), (ops) => {
        const table = new IdTable<Call>();
        const model = new Map<number, Call>();
        const probes = new Set<number>();
        for (const o of ops) {
          if (o.op === 'clear') {
            table.clear();
            model.clear();
            continue;
          }
          probes.add(o.id);
          if (o.op === 'set') {
            const call = { id: o.id };
            table.set(o.id, call);
            // filing the same call again (the server does, once a call that waited for the budget starts)
            if (o.id % 3 === 0) table.set(o.id, call);
            model.set(o.id, call);
          } else {
            table.delete(o.id);
            model.delete(o.id);
          }
          for (const id of probes) expect(table.get(id)).toBe(model.get(id));
          const values = table.values();
          expect(values).toHaveLength(model.size);
          expect(new Set(values)).toEqual(new Set(model.values()));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('holds a thousand calls in flight with a long-lived one, through a million ids', () => {
    const table = new IdTable<Call>();
    const stream = { id: 1 };
    table.set(1, stream);
    const window: Call[] = [];
    for (let id = 2; id < 1_000_000; id++) {
      const call = { id };
      table.set(id, call);
      window.push(call);
      if (window.length > 1000) table.delete(window.shift()!.id);
    }
    expect(table.get(1)).toBe(stream);
    expect(table.values()).toHaveLength(1001);
    for (const c of window) expect(table.get(c.id)).toBe(c);
    expect(table.get(500)).toBeUndefined();
  });

  it('lets go of the array a burst grew once the burst is over', async () => {
    const tables = Array.from({ length: 400 }, () => new IdTable<Call>());
    const before = (await collectedMemory()).heapUsed;
    for (const t of tables) {
      for (let id = 1; id <= 1024; id++) t.set(id, { id });
      for (let id = 1; id <= 1024; id++) t.delete(id);
    }
    const after = (await collectedMemory()).heapUsed;
    // Kept, the 2,048-slot arrays would hold 400 x 16 KiB = 6.4 MiB.
    expect(after - before).toBeLessThan(1024 * 1024);
    const t = tables[0];
    t.set(7, { id: 7 });
    expect(t.get(7)).toEqual({ id: 7 });
    expect(t.values()).toHaveLength(1);
  });
});

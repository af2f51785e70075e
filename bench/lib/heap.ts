import { readFile } from 'node:fs/promises';
import { renderTable } from './table.js';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Count and shallow size of the objects of one kind in a heap snapshot. */
export interface HeapGroup {
  count: number;
  size: number;
}

/**
 * Shallow size per constructor name (per node type for strings, code, arrays
 * and the like) in a .heapsnapshot written by v8.writeHeapSnapshot().
 */
export async function heapByConstructor(path: string): Promise<Map<string, HeapGroup>> {
  const snap = JSON.parse(await readFile(path, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map<string, HeapGroup>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]];
    const key = type === 'object' || type === 'closure' ? `${snap.strings[snap.nodes[i + nameAt]]} (${type})` : `(${type})`;
    const group = groups.get(key) ?? { count: 0, size: 0 };
    group.count++;
    group.size += snap.nodes[i + sizeAt];
    groups.set(key, group);
  }
  return groups;
}

/** Markdown table of the groups that grew most from `before` to `after`, per `unit` (e.g. per connection). */
export function renderHeapGrowth(before: Map<string, HeapGroup>, after: Map<string, HeapGroup>, unit: number, limit = 20): string {
  const rows = [...after]
    .map(([name, a]) => {
      const b = before.get(name) ?? { count: 0, size: 0 };
      return { name, count: (a.count - b.count) / unit, size: (a.size - b.size) / unit };
    })
    .sort((x, y) => y.size - x.size)
    .slice(0, limit);
  return renderTable(
    [{ header: 'bytes /unit', align: 'right' }, { header: 'objects /unit', align: 'right' }, { header: 'kind', align: 'left' }],
    rows.map((r) => [r.size.toFixed(0), r.count.toFixed(2), r.name]),
  );
}

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/message');

/** The files of src/message each file imports (type-only imports count: a loop of types is still a loop). */
function imports(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const name of readdirSync(DIR).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(resolve(DIR, name), 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'\.\/([^']+)\.js'/gm)) deps.push(`${m[1]}.ts`);
    out.set(name, deps);
  }
  return out;
}

/** Every import loop, as the chain of files from one back to itself. */
function loops(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): void => {
    const at = path.indexOf(file);
    if (at >= 0) {
      found.push([...path.slice(at), file]);
      return;
    }
    if (done.has(file)) return;
    path.push(file);
    for (const dep of graph.get(file) ?? []) visit(dep);
    path.pop();
    done.add(file);
  };
  for (const file of graph.keys()) visit(file);
  return found;
}

describe("the Conn's parts", () => {
  it('import one another without a loop: each part only imports the parts below it', () => {
    const graph = imports();
    // The hub, the Web Streams face and the diagnostics channels name Conn in their public types (hub
    // events, subscribe, toWebStreams, channel messages) and the Conn uses them: those type references
    // are the loops left, outside the parts.
    const namesConn = new Set(['hub.ts', 'web-streams.ts', 'diagnostics.ts']);
    for (const [file, deps] of graph) if (namesConn.has(file)) graph.set(file, deps.filter((d) => d !== 'conn.ts'));
    expect(loops(graph)).toEqual([]);
    expect(graph.get('writer.ts')).not.toContain('conn.ts');
    expect(graph.get('sender.ts')).not.toContain('writer.ts');
  });

  it('a part reaches no part above it: the inbound queue and control do not import closing, the receiver or the front', () => {
    const graph = imports();
    for (const part of ['inbound-queue.ts', 'control.ts', 'sender.ts']) {
      expect(graph.get(part)).not.toContain('closing.ts');
      expect(graph.get(part)).not.toContain('receiver.ts');
      expect(graph.get(part)).not.toContain('conn.ts');
    }
  });
});

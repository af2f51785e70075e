import { describe, expect, it } from 'vitest';
import { compileMarked } from './compile-fixture.js';

// Each line marked `// ERR` must fail to compile; nothing else may.
const SOURCE = `
import { z } from 'zod';
import { createClient } from '../../src/client/index.js';
import { createServer } from '../../src/server/rpc-entry.js';
import { defineService } from '../../src/rpc/service.js';

const svc = defineService({
  greet: { input: z.object({ name: z.string() }), output: z.object({ message: z.string() }) },
  count: { input: z.object({ to: z.number() }), stream: z.object({ n: z.number() }) },
});
export async function calls(): Promise<void> {
  const c = createClient(svc, 'ws://127.0.0.1:1');
  await c.greet({ name: 'ok' });
  await c.greet({ name: 1 }); // ERR
  await c.greet({}); // ERR
  await c.nope(); // ERR
  const r = await c.greet({ name: 'ok' });
  r.message.toUpperCase();
  r.missing; // ERR
  for await (const item of c.count({ to: 1 })) {
    item.n.toFixed();
    item.n.toUpperCase(); // ERR
  }
  await c.greet({ name: 'ok' }, { timeoutMs: 'later' }); // ERR
}
createServer(svc, {
  greet: ({ name }) => ({ message: name }),
  // the generator's item type is checked where the handler is given
  count: async function* () { // ERR
    yield { n: 'one' };
  },
});
createServer(svc, {
  greet: ({ name }) => ({ text: name }), // ERR
  count: async function* () {},
});
`;

describe('wrong calls do not compile (TypeScript compiler on a fixture)', () => {
  it('reports an error on exactly the marked lines', () => {
    const { errorLines, marked } = compileMarked('__virtual_wrong_calls', SOURCE);
    expect(errorLines).toEqual(marked);
  }, 60_000);
});

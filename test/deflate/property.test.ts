import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PerMessageDeflate } from '../../src/deflate/index.js';
import { jsonText, params, randomBytes } from './helpers.js';

const bits = fc.integer({ min: 8, max: 15 });
const message = fc.record({
  size: fc.integer({ min: 0, max: 20_000 }),
  seed: fc.integer({ min: 1, max: 1e6 }),
  json: fc.boolean(),
  sendCuts: fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 3 }),
  receiveCuts: fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 3 }),
});

function split(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    parts.push(data.subarray(prev, p));
    prev = p;
  }
  parts.push(data.subarray(prev));
  return parts;
}

describe('property: any parameters, any messages, any fragmentation', () => {
  it('what one side compresses the other side inflates back, message after message', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ s: fc.boolean(), c: fc.boolean(), sb: bits, cb: bits, history: fc.integer({ min: 0, max: 32768 }), sync: fc.constantFrom(0, 4096, 65536) }),
        fc.array(message, { minLength: 1, maxLength: 6 }),
        async (cfg, messages) => {
          const p = params({ serverNoContextTakeover: cfg.s, clientNoContextTakeover: cfg.c, serverMaxWindowBits: cfg.sb, clientMaxWindowBits: cfg.cb });
          const opts = { historySize: cfg.history, syncMaxBytes: cfg.sync };
          const sender = new PerMessageDeflate(p, 'server', opts);
          const receiver = new PerMessageDeflate(p, 'client', opts);
          try {
            for (const m of messages) {
              const data = m.json ? jsonText(m.size, m.seed) : randomBytes(m.size, m.seed);
              const parts = split(data, m.sendCuts);
              const wire: Buffer[] = [];
              for (let i = 0; i < parts.length; i++) wire.push(await sender.compress(parts[i], i === parts.length - 1));
              const pieces = split(Buffer.concat(wire), m.receiveCuts);
              const out: Buffer[] = [];
              for (let i = 0; i < pieces.length; i++) out.push(await receiver.decompress(pieces[i], i === pieces.length - 1));
              const got = Buffer.concat(out);
              expect(got.length).toBe(data.length);
              expect(Buffer.compare(got, data)).toBe(0);
            }
          } finally {
            sender.close();
            receiver.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** The chat service of the topic tests; no server code, so the browser test page bundles it too. */
import { z } from 'zod';
import { defineService } from '../../src/rpc/service.js';

export const chat = defineService({
  say: { input: z.object({ room: z.string(), text: z.string().max(2000) }), output: z.object({ offset: z.number() }) },
  room: {
    topic: z.object({ room: z.string() }),
    message: z.object({ from: z.string(), text: z.string() }),
    history: { size: 100, ttlMs: 600_000 },
    presence: z.object({ user: z.string() }),
  },
  small: { topic: z.object({ id: z.number() }), message: z.object({ n: z.number() }), history: { size: 3, ttlMs: 60_000 } },
  brief: { topic: z.object({ id: z.number() }), message: z.object({ n: z.number() }), history: { size: 10, ttlMs: 150 } },
  ticker: { topic: z.object({ symbol: z.string() }), message: z.object({ n: z.number(), pad: z.string().optional() }) },
  user: { topic: z.object({ id: z.string() }), message: z.object({ note: z.string() }) },
  board: { topic: z.object({ id: z.number() }), message: z.object({ text: z.string() }), publish: true },
});


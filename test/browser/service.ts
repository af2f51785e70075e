import { z } from 'zod';
import { defineService } from '../../src/rpc/service.js';

/** The service the browser tests call: the page knows it by its type alone. */
export const chat = defineService({
  send: { input: z.object({ room: z.string(), text: z.string().min(1) }), output: z.object({ id: z.number(), text: z.string() }) },
  bytes: { input: z.object({ data: z.instanceof(Uint8Array) }), output: z.object({ size: z.number(), data: z.instanceof(Uint8Array) }) },
  history: { input: z.object({ count: z.number().int() }), stream: z.object({ seq: z.number() }) },
  produced: { output: z.number() },
  wait: { input: z.object({ ms: z.number() }), output: z.object({ waited: z.number() }) },
  upload: { clientStream: z.object({ n: z.number() }), output: z.object({ total: z.number() }) },
  typing: { input: z.object({ who: z.string() }), notify: true },
  stamp: {
    input: z.object({ at: z.date(), n: z.bigint(), tags: z.set(z.string()), note: z.string().optional() }),
    output: z.object({ at: z.date(), next: z.bigint(), seen: z.map(z.string(), z.date()), tags: z.set(z.string()), note: z.string().optional() }),
  },
});

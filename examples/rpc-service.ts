/** The greeter service, defined once and shared by examples/rpc-server.ts and examples/rpc-client.ts. */
import { z } from 'zod';
import { defineService } from '../src/rpc/index.js';

export const greeter = defineService({
  greet: { input: z.object({ name: z.string().min(1) }), output: z.object({ message: z.string() }) },
  count: { input: z.object({ to: z.number().int().max(1_000_000) }), stream: z.object({ n: z.number() }) },
  wait: { input: z.object({ ms: z.number().int() }), output: z.object({ waited: z.number() }) },
});

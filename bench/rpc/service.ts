// The benchmark service: the greeter plus a long stream. zwire and
// tRPC validate with these same zod schemas; rpc-websockets and the bare ws
// JSON-RPC server validate nothing.
import { z } from 'zod';
import { defineService } from '../../src/rpc/index.js';

export const greetInput = z.object({ name: z.string() });
export const greetOutput = z.object({ message: z.string() });
export const countInput = z.object({ to: z.number().int() });
export const countItem = z.object({ n: z.number() });

export const benchService = defineService({
  greet: { input: greetInput, output: greetOutput },
  count: { input: countInput, stream: countItem },
});

/** Enough items that no stream ends during a round. */
export const ENDLESS = 1e12;

// The benchmark service: the greeter plus a long stream. zwire and
// tRPC validate with these same zod schemas; rpc-websockets and the bare ws
// JSON-RPC server validate nothing.
import { z } from 'zod';
import { defineService } from '../../src/rpc/index.js';

export const greetInput = z.object({ name: z.string() });
export const greetOutput = z.object({ message: z.string() });
export const countInput = z.object({ to: z.number().int() });
export const countItem = z.object({ n: z.number() });

export const feedInput = z.object({ size: z.number().int() });
export const feedItem = z.object({ n: z.number(), data: z.string() });

export const benchService = defineService({
  greet: { input: greetInput, output: greetOutput },
  count: { input: countInput, stream: countItem },
  feed: { input: feedInput, stream: feedItem },
});

/** Item size in the slow-consumer scenario (bytes of `data`). */
export const FEED_SIZE = 1024;

/** Enough items that no stream ends during a round. */
export const ENDLESS = 1e12;

/** The service of the zwire nodes in the many-node benchmark: one room topic without history, one with. */
import { z } from 'zod';
import { defineService } from '../../src/rpc/index.js';

const room = { topic: z.object({ room: z.string() }), message: z.object({ t: z.string() }), publish: true } as const;

export const benchService = defineService({
  room,
  kept: { ...room, history: { size: 100, ttlMs: 60_000 } },
});

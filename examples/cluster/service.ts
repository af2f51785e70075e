/** The service every node of the cluster example serves: a room topic with history and presence, and a `say` call that publishes on it. */
import { z } from 'zod';
import { defineService } from '../../src/rpc/index.js';

export const roomService = defineService({
  say: { input: z.object({ room: z.string(), text: z.string().max(2000) }), output: z.object({ offset: z.number() }) },
  room: {
    topic: z.object({ room: z.string() }),
    message: z.object({ from: z.string(), text: z.string() }),
    history: { size: 100, ttlMs: 600_000 },
    presence: z.object({ user: z.string() }),
  },
});

/** The service the RPC node processes serve (rpc-node.ts) and the multi-node tests call. */
import { z } from 'zod';
import { defineService } from '../../src/rpc/service.js';

export const clusterService = defineService({
  /** Publishes on `feed` from a method handler (ctx.publish). */
  announce: {
    input: z.object({ key: z.string(), text: z.string() }),
    output: z.object({ epoch: z.string(), offset: z.number() }),
  },
  feed: {
    topic: z.object({ key: z.string() }),
    message: z.object({ text: z.string() }),
    history: { size: 10_000, ttlMs: 600_000 },
    publish: true,
  },
  lobby: {
    topic: z.object({ room: z.string() }),
    message: z.object({ text: z.string() }),
    presence: z.object({ user: z.string() }),
  },
});

export type ClusterService = (typeof clusterService)['methods'];

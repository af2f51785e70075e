import { expect } from 'vitest';
import { z } from 'zod';
import { defineService, withEventId } from '../../src/rpc/service.js';
import { RpcError } from '../../src/rpc/errors.js';
import type { Handlers } from '../../src/rpc/handlers.js';

export const testService = defineService({
  greet: { input: z.object({ name: z.string() }), output: z.object({ message: z.string() }) },
  echoBytes: { input: z.object({ data: z.instanceof(Uint8Array) }), output: z.object({ data: z.instanceof(Uint8Array), size: z.number() }) },
  badOutput: { input: z.object({}), output: z.object({ n: z.number() }) },
  fail: { input: z.object({ kind: z.enum(['rpc', 'crash']) }), output: z.object({}) },
  slow: { input: z.object({ ms: z.number() }), output: z.object({ done: z.boolean() }) },
  noInput: { output: z.string() },
  whoami: { output: z.object({ user: z.string() }) },
  count: { input: z.object({ to: z.number().int() }), stream: z.object({ n: z.number() }) },
  badStream: { input: z.object({}), stream: z.object({ n: z.number() }) },
  ticks: { input: z.object({}), stream: z.object({ n: z.number() }) },
  feed: { input: z.object({}), stream: z.object({ seq: z.number() }), resumable: true },
  sum: { clientStream: z.object({ n: z.number() }), output: z.object({ total: z.number(), count: z.number() }) },
  slowSum: { clientStream: z.object({ n: z.number() }), output: z.object({ count: z.number() }) },
  log: { input: z.object({ line: z.string() }), notify: true },
  big: { input: z.object({ size: z.number() }), output: z.object({ s: z.string() }) },
});

/** Observations the handlers record for the tests. */
export class Probe {
  aborted: string[] = [];
  logs: string[] = [];
  produced = 0;
  finallyRan = 0;
  lastEventIds: (string | undefined)[] = [];
}

export function testHandlers(probe: Probe): Handlers<(typeof testService)['methods'], { user: string }> {
  return {
    greet: ({ name }) => ({ message: `hello ${name}` }),
    echoBytes: ({ data }) => ({ data, size: data.length }),
    badOutput: () => ({ n: 'nope' as unknown as number }),
    fail: ({ kind }) => {
      if (kind === 'rpc') throw new RpcError('NOT_FOUND', 'no such thing', { id: 7 });
      throw new Error('secret database password in this message');
    },
    slow: ({ ms }, ctx) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => resolve({ done: true }), ms);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(t);
          probe.aborted.push(`slow:${(ctx.signal.reason as RpcError).code}`);
          reject(ctx.signal.reason);
        });
      }),
    noInput: () => 'ok',
    whoami: (_input, ctx) => ({ user: ctx.conn.user }),
    count: async function* ({ to }) {
      for (let n = 1; n <= to; n++) yield { n };
    },
    badStream: async function* () {
      yield { n: 1 };
      yield { n: 'two' as unknown as number };
    },
    ticks: async function* (_input, ctx) {
      try {
        for (let n = 0; !ctx.signal.aborted; n++) {
          probe.produced++;
          yield { n };
        }
      } finally {
        probe.finallyRan++;
        if (ctx.signal.aborted) probe.aborted.push(`ticks:${(ctx.signal.reason as RpcError).code}`);
      }
    },
    feed: async function* (_input, ctx) {
      probe.lastEventIds.push(ctx.lastEventId);
      const start = ctx.lastEventId === undefined ? 0 : Number(ctx.lastEventId) + 1;
      for (let seq = start; seq < 1000; seq++) {
        yield withEventId(seq, { seq });
        await new Promise((r) => setTimeout(r, 1));
      }
    },
    sum: async (items) => {
      let total = 0;
      let count = 0;
      for await (const { n } of items) {
        total += n;
        count++;
      }
      return { total, count };
    },
    slowSum: async (items) => {
      let count = 0;
      for await (const _ of items) {
        await new Promise((r) => setTimeout(r, 10));
        count++;
      }
      return { count };
    },
    log: ({ line }) => {
      probe.logs.push(line);
    },
    big: ({ size }) => ({ s: 'x'.repeat(size) }),
  };
}

/** The RpcError `p` rejects with; fails the test if it resolves or rejects with something else. */
export async function rejection(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RpcError);
    return err as RpcError;
  }
  throw new Error('expected a rejection');
}

/** Poll until cond() holds; throws after `ms`. */
export async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/**
 * defineService takes zod 4 schemas from `zod` and from `zod/mini` with the
 * same inferred types, and refuses zod 3 schemas with an error that says so.
 */
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { z as z3 } from 'zod/v3';
import { createClient, type RpcClient } from '../../src/client/index.js';
import { createServer } from '../../src/server/rpc-server.js';
import type { Handlers } from '../../src/rpc/handlers.js';
import { defineService } from '../../src/rpc/service.js';
import { rejection } from './fixture.js';

const classic = defineService({
  greet: { input: z.object({ name: z.string().min(1), age: z.optional(z.number()) }), output: z.object({ message: z.string() }) },
  count: { input: z.object({ to: z.number().check(z.int()) }), stream: z.object({ n: z.number() }) },
});
const mini = defineService({
  greet: { input: zm.object({ name: zm.string().check(zm.minLength(1)), age: zm.optional(zm.number()) }), output: zm.object({ message: zm.string() }) },
  count: { input: zm.object({ to: zm.number().check(zm.int()) }), stream: zm.object({ n: zm.number() }) },
});

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('zod versions', () => {
  it('infers the same client and handler types from zod/mini as from zod', () => {
    expectTypeOf<RpcClient<(typeof mini)['methods']>['greet']>().toEqualTypeOf<RpcClient<(typeof classic)['methods']>['greet']>();
    expectTypeOf<RpcClient<(typeof mini)['methods']>['greet']>().parameter(0).toEqualTypeOf<{ name: string; age?: number | undefined }>();
    expectTypeOf<Handlers<(typeof mini)['methods'], undefined>>().toEqualTypeOf<Handlers<(typeof classic)['methods'], undefined>>();
  });

  it('serves and validates with zod/mini schemas over a real socket', async () => {
    const server = createServer(mini, {
      greet: ({ name }) => ({ message: `hello ${name}` }),
      count: async function* ({ to }) {
        for (let n = 1; n <= to; n++) yield { n };
      },
    });
    const { port } = await server.listen({ port: 0 });
    cleanup.push(() => server.close());
    const client = createClient(mini, `ws://127.0.0.1:${port}`, { heartbeatMs: 0 });
    cleanup.push(() => client.close());
    expect(await client.greet({ name: 'Ada' })).toEqual({ message: 'hello Ada' });
    const err = await rejection(client.greet({ name: '' }));
    expect(err.code).toBe('BAD_REQUEST');
    expect((err.data as { issues: { code: string }[] }).issues[0].code).toBe('too_small');
    const ns: number[] = [];
    for await (const { n } of client.count({ to: 3 })) ns.push(n);
    expect(ns).toEqual([1, 2, 3]);
  });

  it('refuses a zod 3 schema at defineService, naming the method and the fix', () => {
    const define = defineService as (methods: Record<string, unknown>) => unknown;
    expect(() => define({ greet: { input: z3.object({ name: z3.string() }), output: z.string() } })).toThrow(/method greet: input is a zod 3 schema; zwire needs zod 4/);
    expect(() => define({ feed: { stream: z3.number() } })).toThrow(/method feed: stream is a zod 3 schema/);
  });
});

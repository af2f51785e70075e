/**
 * Random envelopes, well and badly formed, sent to a real RPC server over a socket: the server
 * never stops answering, each reply is a well-formed server envelope, no call id gets more than
 * one final answer (Result, Error or Done), and no stream sends more items than the valid credit
 * it was given.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServer, type RpcServer } from '../../src/server/rpc-server.js';
import { Subprotocol } from '../../src/rpc/envelope.js';
import { Probe, testHandlers, testService } from './fixture.js';

const MAX = 2 ** 20;
const NUMBERS = ['0', '1', '2', '64', '1.5', '1e999', '-1', String(MAX + 1), '9007199254740993', '"5"', 'null'];
const METHODS = ['"greet"', '"count"', '"ticks"', '"sum"', '"log"', '"feed"', '"nope"', `"${'m'.repeat(300)}"`];
const INPUTS = ['{}', '{"name":"a"}', '{"to":3}', '{"line":"l"}', '{"n":1}', '{"name":5}', 'null', '[1]'];
const ANY = [...NUMBERS, ...METHODS, ...INPUTS, 'true', '"x"'];

/** The ids an envelope may use: a fresh one (opening a call) or the last fresh one (a control envelope for it). */
interface Ids {
  fresh(): string;
  last(): string;
}
type Gen = (ids: Ids) => string;

const num = fc.constantFrom(...NUMBERS);
const method = fc.constantFrom(...METHODS);
const input = fc.constantFrom(...INPUTS);
const any = fc.constantFrom(...ANY);

const envelope: fc.Arbitrary<Gen> = fc.oneof(
  fc.tuple(method, input).map(([m, i]): Gen => (ids) => `[1,${ids.fresh()},${m},${i}]`),
  fc.tuple(method, num, input).map(([m, c, i]): Gen => (ids) => `[3,${ids.fresh()},${m},${c},null,${i}]`),
  method.map((m): Gen => (ids) => `[4,${ids.fresh()},${m}]`),
  input.map((i): Gen => (ids) => `[5,${ids.last()},${i}]`),
  num.map((n): Gen => (ids) => `[6,${ids.last()},${n}]`),
  fc.constantFrom(7, 8).map((k): Gen => (ids) => `[${k},${ids.last()}]`),
  fc.tuple(method, input).map(([m, i]): Gen => () => `[2,${m},${i}]`),
  fc.tuple(fc.integer({ min: 0, max: 17 }), fc.array(any, { maxLength: 5 })).map(([k, rest]): Gen => () => `[${[String(k), ...rest].join(',')}]`),
);

/** Credit a stream may legitimately use: an initial credit from 0 to MAX, grants from 1 to MAX. */
function validCredit(token: string, initial: boolean): number {
  const n = Number(token);
  return Number.isInteger(n) && n >= (initial ? 0 : 1) && n <= MAX ? n : 0;
}

let server: RpcServer<(typeof testService)['methods'], { user: string }>;
let port = 0;
beforeAll(async () => {
  server = createServer(testService, testHandlers(new Probe()), { context: () => ({ user: 'fuzz' }), heartbeatMs: 0, limits: { maxStreams: 8 } });
  ({ port } = await server.listen({ port: 0 }));
});
afterAll(() => server.close());

const FINAL = new Set([11, 12, 14]);
const FROM_SERVER = new Set([6, 9, 10, 11, 12, 13, 14, 15]);

describe('RPC server under random envelopes', () => {
  it('keeps answering, with well-formed envelopes, one final answer per id and items within valid credit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(envelope, { minLength: 1, maxLength: 25 }), async (gens) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}`, [Subprotocol.json]);
        const got: unknown[][] = [];
        let pong = false;
        ws.on('message', (d) => {
          const env = JSON.parse(String(d)) as unknown[];
          if (env[0] === 10 && env[1] === 777) pong = true;
          else if (!pong) got.push(env);
        });
        await new Promise((r) => ws.once('open', r));
        let lastId = 1000;
        const ids: Ids = { fresh: () => String(++lastId), last: () => String(lastId) };
        const credit = new Map<number, number>();
        for (const gen of gens) {
          const text = gen(ids);
          const env = text.split(',');
          if (env[0] === '[3' && Number(env[1]) > 1000) credit.set(Number(env[1]), validCredit(env[3], true));
          if (env[0] === '[6' && credit.has(Number(env[1]))) {
            credit.set(Number(env[1]), credit.get(Number(env[1]))! + validCredit(env[2].replace(']', ''), false));
          }
          ws.send(text);
        }
        ws.send('[9,777]');
        const end = Date.now() + 10_000;
        while (!pong && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
        ws.terminate();
        expect(pong).toBe(true);
        const finals = new Map<unknown, number>();
        const items = new Map<number, number>();
        for (const env of got) {
          expect(Array.isArray(env)).toBe(true);
          expect(FROM_SERVER.has(env[0] as number)).toBe(true);
          const id = env[1] as number;
          // fresh ids (above 1000) open one call each: at most one final answer
          if (FINAL.has(env[0] as number) && id > 1000) finals.set(id, (finals.get(id) ?? 0) + 1);
          if (env[0] === 13 || env[0] === 15) items.set(id, (items.get(id) ?? 0) + 1);
        }
        for (const [id, n] of finals) expect([id, n]).toEqual([id, 1]);
        for (const [id, n] of items) expect([id, n <= (credit.get(id) ?? 0)]).toEqual([id, true]);
      }),
      { numRuns: 80 },
    );
  }, 120_000);
});

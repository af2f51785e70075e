/**
 * What the server holds per subscription, measured on its own structures:
 * sessions attached to an in-process socket that only counts what it is sent,
 * so the heap holds nothing of a real connection.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { memoryEngine } from '../../src/engine/index.js';
import { RpcRouter } from '../../src/rpc/server.js';
import { Subprotocol } from '../../src/rpc/envelope.js';
import { TopicKind } from '../../src/rpc/topic-envelopes.js';
import { chatHandlers, type Chat, type Ctx } from './topics-fixture.js';
import { chat } from './topics-service.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function heapAfterGc(): Promise<number> {
  await new Promise((r) => setTimeout(r, 20));
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('memory per subscription', () => {
  it('20,000 subscriptions on one key hold under 1 KiB each, and unsubscribing all gives it back', async () => {
    const router = new RpcRouter<Chat, Ctx>(chat, chatHandlers, { engine: memoryEngine() });
    let answers = 0;
    const sessions = Array.from({ length: 20 }, () =>
      router.attach({ send: () => void answers++, bufferedAmount: 0, close: () => undefined }, Subprotocol.json, { user: 'u' }),
    );
    const PER = 1000;
    const base = await heapAfterGc();
    for (const s of sessions) for (let id = 1; id <= PER; id++) s.receive(JSON.stringify([TopicKind.Subscribe, id, 'ticker', { symbol: 'ALL' }]));
    await new Promise((r) => setTimeout(r, 100));
    expect(answers).toBe(20 * PER);
    const held = await heapAfterGc();
    const perSub = (held - base) / (20 * PER);
    for (const s of sessions) for (let id = 1; id <= PER; id++) s.receive(JSON.stringify([TopicKind.Unsubscribe, id]));
    const after = await heapAfterGc();
    console.log(`${perSub.toFixed(0)} B per subscription; ${((after - base) / (20 * PER)).toFixed(0)} B left after unsubscribing`);
    expect(perSub).toBeLessThan(1024);
    expect((after - base) / (20 * PER)).toBeLessThan(64);
    for (const s of sessions) s.close();
  });
});

import { describe, expect, it } from 'vitest';
import { memoryEngine } from '../../src/engine/index.js';
import { bytes, engineContract, Recorder, text } from './contract.js';

engineContract('memoryEngine', { make: () => memoryEngine() });

/** A started engine on a clock the test moves, with epochs e1, e2, ... */
async function clocked(start: number): Promise<{ engine: ReturnType<typeof memoryEngine>; clock: { now: number } }> {
  const clock = { now: start };
  let n = 0;
  const engine = memoryEngine({ now: () => clock.now, newEpoch: () => `e${++n}` });
  await engine.start(new Recorder());
  return { engine, clock };
}

describe('memoryEngine specifics', () => {
  it('delivers within publish, before it resolves', async () => {
    const engine = memoryEngine();
    const rec = new Recorder();
    await engine.start(rec);
    await engine.subscribe('a');
    const p = engine.publish('a', bytes('x'), { history: { size: 2, ttlMs: 1000 } });
    expect(rec.on('a')).toEqual(['x']);
    await p;
    await engine.close();
  });

  it('publishNow returns the position within the call, in the same order as publish, and throws once closed', async () => {
    const rec = new Recorder();
    const e = memoryEngine({ newEpoch: () => 'n1' });
    await e.start(rec);
    await e.subscribe('a');
    const publishNow = e.publishNow?.bind(e);
    if (publishNow === undefined) throw new Error('the memory engine publishes synchronously');
    expect(publishNow('a', bytes('x'))).toEqual({ epoch: 'n1', offset: 1 });
    expect(rec.on('a')).toEqual(['x']);
    expect(await e.publish('a', bytes('y'))).toEqual({ epoch: 'n1', offset: 2 });
    expect(publishNow('a', bytes('z'), { history: { size: 2, ttlMs: 1000 } })).toEqual({ epoch: 'n1', offset: 3 });
    expect(rec.on('a')).toEqual(['x', 'y', 'z']);
    await e.close();
    expect(() => publishNow('a', bytes('w'))).toThrow(expect.objectContaining({ code: 'UNAVAILABLE' }));
  });

  it('expires history on its injected clock and starts a new epoch at offset 0', async () => {
    const { engine, clock } = await clocked(1_000);
    await engine.subscribe('c');
    const h = { size: 3, ttlMs: 100 };
    expect(await engine.publish('c', bytes('1'), { history: h })).toEqual({ epoch: 'e1', offset: 1 });
    clock.now += 99;
    expect(await engine.publish('c', bytes('2'), { history: h })).toEqual({ epoch: 'e1', offset: 2 });
    clock.now += 99;
    const kept = await engine.history('c', { since: { epoch: 'e1', offset: 0 } });
    expect(kept.publications.map((p) => text(p.data))).toEqual(['1', '2']);
    clock.now += 1;
    const lost = await engine.history('c', { since: { epoch: 'e1', offset: 0 } });
    expect(lost).toEqual({ publications: [], position: { epoch: 'e2', offset: 0 } });
    await engine.close();
  });

  it('forgets channels nobody subscribes to that keep no history (memory stays bounded)', async () => {
    let n = 0;
    const engine = memoryEngine({ newEpoch: () => `e${++n}` });
    await engine.start(new Recorder());
    for (let i = 0; i < 10_000; i++) await engine.publish(`ch${i}`, bytes('x'));
    // each publication made and dropped its channel: the next one starts a new epoch
    expect((await engine.publish('ch0', bytes('y'))).epoch).toBe('e10001');
    await engine.close();
  });

  it('keeps the position of a channel its last subscriber left for a minute, so a reconnecting client finds its epoch', async () => {
    const { engine, clock } = await clocked(0);
    await engine.subscribe('k');
    await engine.addPresence('k', 'c1', bytes('ada'));
    expect(await engine.publish('k', bytes('x'))).toEqual({ epoch: 'e1', offset: 1 });
    await engine.removePresence('k', 'c1');
    await engine.unsubscribe('k');
    clock.now += 59_000;
    expect((await engine.history('k')).position).toEqual({ epoch: 'e1', offset: 1 });
    clock.now += 1_001;
    expect(await engine.publish('k', bytes('y'))).toEqual({ epoch: 'e1', offset: 2 });
    expect((await engine.history('k')).position).toEqual({ epoch: 'e2', offset: 0 });
    await engine.close();
  });

  it('shrinks and grows the ring when the policy changes, keeping the newest', async () => {
    const engine = memoryEngine({ newEpoch: () => 'e' });
    await engine.start(new Recorder());
    for (let i = 1; i <= 5; i++) await engine.publish('r', bytes(String(i)), { history: { size: 5, ttlMs: 60_000 } });
    await engine.publish('r', bytes('6'), { history: { size: 2, ttlMs: 60_000 } });
    const small = await engine.history('r', { since: { epoch: 'e', offset: 0 } });
    expect(small.publications.map((p) => text(p.data))).toEqual(['5', '6']);
    await engine.publish('r', bytes('7'), { history: { size: 4, ttlMs: 60_000 } });
    const big = await engine.history('r', { since: { epoch: 'e', offset: 0 } });
    expect(big.publications.map((p) => text(p.data))).toEqual(['5', '6', '7']);
    await engine.close();
  });
});

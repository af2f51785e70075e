/**
 * The engine contract as a reusable suite: every engine (in-memory, Redis)
 * runs it with its own factory. Deliveries may be asynchronous (a broker), so
 * assertions wait for them with bounded polling instead of expecting them
 * within `publish`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine, EngineHandler, Publication } from '../../src/engine/engine.js';

/** What an engine under test delivered to its handler. */
export class Recorder implements EngineHandler {
  readonly publications: { channel: string; pub: Publication }[] = [];
  readonly joins: { channel: string; clientId: string; info: string }[] = [];
  readonly leaves: { channel: string; clientId: string; info: string }[] = [];

  publication(channel: string, pub: Publication): void {
    this.publications.push({ channel, pub });
  }

  join(channel: string, clientId: string, info: Uint8Array): void {
    this.joins.push({ channel, clientId, info: text(info) });
  }

  leave(channel: string, clientId: string, info: Uint8Array): void {
    this.leaves.push({ channel, clientId, info: text(info) });
  }

  /** Payloads delivered on one channel, as text, in delivery order. */
  on(channel: string): string[] {
    return this.publications.filter((p) => p.channel === channel).map((p) => text(p.pub.data));
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

export function text(b: Uint8Array): string {
  return decoder.decode(b);
}

/** Polls until `cond` holds; fails after `ms`. */
export async function eventually(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits long enough for a broker to have delivered anything it was going to deliver. */
function settle(ms = 100): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface ContractOptions {
  /** Makes a fresh, unstarted engine; channel names in each test are unique, so a shared broker is fine. */
  make: () => Engine | Promise<Engine>;
  /** Engines made by `make` share one backend (a broker), so one node sees another's publications. */
  shared?: boolean;
}

let seq = 0;
/** A channel name no other test (or earlier run against the same broker) used. */
function fresh(name: string): string {
  return `${name}:${process.pid}:${Date.now().toString(36)}:${++seq}`;
}

const H = { size: 5, ttlMs: 60_000 };

/** Registers the contract tests for one engine. */
export function engineContract(name: string, options: ContractOptions): void {
  describe(`engine contract: ${name}`, () => {
    const started: Engine[] = [];
    afterEach(async () => {
      await Promise.all(started.splice(0).map((e) => e.close().catch(() => undefined)));
    });

    async function start(): Promise<{ engine: Engine; rec: Recorder }> {
      const engine = await options.make();
      const rec = new Recorder();
      await engine.start(rec);
      started.push(engine);
      return { engine, rec };
    }

    it('numbers publications one by one within one epoch and resolves with their position', async () => {
      const { engine } = await start();
      const ch = fresh('offsets');
      const a = await engine.publish(ch, bytes('a'), { history: H });
      const b = await engine.publish(ch, bytes('b'), { history: H });
      const c = await engine.publish(ch, bytes('c'), { history: H });
      expect(a.epoch).toMatch(/.+/);
      expect([b.epoch, c.epoch]).toEqual([a.epoch, a.epoch]);
      expect([b.offset, c.offset]).toEqual([a.offset + 1, a.offset + 2]);
      expect(a.offset).toBeGreaterThanOrEqual(1);
      const h = await engine.history(ch);
      expect(h.position).toEqual(c);
      expect(h.publications).toEqual([]);
    });

    it('delivers the publications of subscribed channels only, in offset order, until unsubscribed', async () => {
      const { engine, rec } = await start();
      const on = fresh('on');
      const off = fresh('off');
      await engine.subscribe(on);
      for (let i = 0; i < 20; i++) {
        await engine.publish(on, bytes(`m${i}`), { history: H });
        await engine.publish(off, bytes(`x${i}`), { history: H });
      }
      await eventually(() => rec.on(on).length === 20);
      expect(rec.on(on)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
      const offsets = rec.publications.filter((p) => p.channel === on).map((p) => p.pub.offset);
      expect(offsets).toEqual(offsets.map((_, i) => offsets[0] + i));
      await engine.unsubscribe(on);
      await engine.publish(on, bytes('late'), { history: H });
      await settle();
      expect(rec.on(on)).toHaveLength(20);
      expect(rec.on(off)).toEqual([]);
    });

    it('gives concurrent publishers one total order: distinct consecutive offsets, delivered in that order', async () => {
      const { engine, rec } = await start();
      const ch = fresh('concurrent');
      await engine.subscribe(ch);
      const positions = await Promise.all(Array.from({ length: 50 }, (_, i) => engine.publish(ch, bytes(String(i)), { history: { size: 100, ttlMs: 60_000 } })));
      const offsets = positions.map((p) => p.offset).sort((a, b) => a - b);
      expect(offsets).toEqual(offsets.map((_, i) => offsets[0] + i));
      await eventually(() => rec.on(ch).length === 50);
      const delivered = rec.publications.filter((p) => p.channel === ch).map((p) => p.pub.offset);
      expect(delivered).toEqual(offsets);
      const byOffset = new Map(positions.map((p, i) => [p.offset, String(i)]));
      expect(rec.on(ch)).toEqual(delivered.map((o) => byOffset.get(o)));
    });

    it('reads history after a position, at most `limit`, and nothing for another epoch', async () => {
      const { engine } = await start();
      const ch = fresh('history');
      const pos = [];
      for (let i = 1; i <= 4; i++) pos.push(await engine.publish(ch, bytes(`h${i}`), { history: H }));
      const { epoch } = pos[0];
      const all = await engine.history(ch, { since: { epoch, offset: pos[0].offset - 1 } });
      expect(all.publications.map((p) => text(p.data))).toEqual(['h1', 'h2', 'h3', 'h4']);
      expect(all.publications.map((p) => p.offset)).toEqual(pos.map((p) => p.offset));
      expect(all.publications.every((p) => p.epoch === epoch)).toBe(true);
      expect(all.position).toEqual(pos[3]);
      const after2 = await engine.history(ch, { since: pos[1] });
      expect(after2.publications.map((p) => text(p.data))).toEqual(['h3', 'h4']);
      const limited = await engine.history(ch, { since: { epoch, offset: pos[0].offset - 1 }, limit: 2 });
      expect(limited.publications.map((p) => text(p.data))).toEqual(['h1', 'h2']);
      const none = await engine.history(ch, { since: pos[3] });
      expect(none.publications).toEqual([]);
      const otherEpoch = await engine.history(ch, { since: { epoch: `not-${epoch}`, offset: 0 } });
      expect(otherEpoch.publications).toEqual([]);
      expect(otherEpoch.position).toEqual(pos[3]);
    });

    it('keeps only the last `size` publications', async () => {
      const { engine } = await start();
      const ch = fresh('ring');
      let last = await engine.publish(ch, bytes('p1'), { history: H });
      const first = last.offset;
      for (let i = 2; i <= 12; i++) last = await engine.publish(ch, bytes(`p${i}`), { history: H });
      const h = await engine.history(ch, { since: { epoch: last.epoch, offset: first - 1 } });
      expect(h.publications.map((p) => text(p.data))).toEqual(['p8', 'p9', 'p10', 'p11', 'p12']);
      expect(h.publications[0].offset).toBe(last.offset - 4);
      expect(h.position).toEqual(last);
    });

    it('keeps nothing for publications without a history policy, yet advances their offsets', async () => {
      const { engine } = await start();
      const ch = fresh('nohistory');
      await engine.subscribe(ch);
      const a = await engine.publish(ch, bytes('a'));
      const b = await engine.publish(ch, bytes('b'));
      expect(b.offset).toBe(a.offset + 1);
      const h = await engine.history(ch, { since: { epoch: a.epoch, offset: a.offset - 1 } });
      expect(h.publications).toEqual([]);
      expect(h.position).toEqual(b);
    });

    it('loses an expired history together with its epoch', async () => {
      const { engine } = await start();
      const ch = fresh('ttl');
      await engine.subscribe(ch);
      const a = await engine.publish(ch, bytes('a'), { history: { size: 5, ttlMs: 150 } });
      await new Promise((r) => setTimeout(r, 600));
      const h = await engine.history(ch, { since: { epoch: a.epoch, offset: 0 } });
      expect(h.publications).toEqual([]);
      expect(h.position.epoch).not.toBe(a.epoch);
      const b = await engine.publish(ch, bytes('b'), { history: { size: 5, ttlMs: 60_000 } });
      expect(b.epoch).toBe(h.position.epoch);
      expect(b.offset).toBe(h.position.offset + 1);
    });

    it('keeps presence per channel, lists it, and announces joins and leaves to subscribed nodes', async () => {
      const { engine, rec } = await start();
      const ch = fresh('presence');
      const quiet = fresh('quiet');
      await engine.subscribe(ch);
      await engine.addPresence(ch, 'c1', bytes('ada'));
      await engine.addPresence(ch, 'c2', bytes('bob'));
      await engine.addPresence(quiet, 'c9', bytes('eve'));
      const list = await engine.presence(ch);
      expect(new Map([...list].map(([k, v]) => [k, text(v)]))).toEqual(new Map([['c1', 'ada'], ['c2', 'bob']]));
      await eventually(() => rec.joins.length === 2);
      expect(rec.joins).toEqual([
        { channel: ch, clientId: 'c1', info: 'ada' },
        { channel: ch, clientId: 'c2', info: 'bob' },
      ]);
      await engine.removePresence(ch, 'c1');
      await engine.removePresence(ch, 'nobody');
      await eventually(() => rec.leaves.length === 1);
      expect(rec.leaves).toEqual([{ channel: ch, clientId: 'c1', info: 'ada' }]);
      expect([...(await engine.presence(ch)).keys()]).toEqual(['c2']);
      expect([...(await engine.presence(quiet)).keys()]).toEqual(['c9']);
      expect((await engine.presence(fresh('empty'))).size).toBe(0);
      await settle();
      expect(rec.joins.some((j) => j.channel === quiet)).toBe(false);
      expect(rec.leaves).toHaveLength(1);
    });

    it.runIf(options.shared === true)('two started engines on the same backend see each other (one engine per node)', async () => {
      const a = await start();
      const b = await start();
      const ch = fresh('nodes');
      await a.engine.subscribe(ch);
      await b.engine.subscribe(ch);
      await a.engine.publish(ch, bytes('from-a'), { history: H });
      await b.engine.publish(ch, bytes('from-b'), { history: H });
      await eventually(() => a.rec.on(ch).length === 2 && b.rec.on(ch).length === 2);
      expect(a.rec.on(ch)).toEqual(b.rec.on(ch));
    }, 10_000);

    it('rejects with code UNAVAILABLE once closed', async () => {
      const { engine } = await start();
      await engine.close();
      const err = await engine.publish(fresh('closed'), bytes('x')).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect((err as { code?: unknown }).code).toBe('UNAVAILABLE');
    });
  });
}

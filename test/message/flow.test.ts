import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { PerMessageDeflate } from '../../src/deflate/index.js';
import { Conn } from '../../src/message/conn.js';
import { jsonCodec } from '../../src/message/codecs/json.js';
import { sendValues } from '../../src/message/codecs/values.js';
import { DrainTimeoutError } from '../../src/message/errors.js';
import type { ConnOptions } from '../../src/message/options.js';
import { Opcode } from '../../src/wire/index.js';
import { pair as deflatePair } from '../deflate/helpers.js';
import { RawPeer, socketPair, sleep, pairsClosedAfterEach } from './helpers.js';

// The outbound budget (maxQueuedBytes): whatever is queued for a peer that does not read,
// memory stays within it and the event loop keeps running.

const { closeLater } = pairsClosedAfterEach();

setFlagsFromString('--expose-gc');
/** A full collection, so memory figures count what is kept, not garbage waiting for the collector. */
const gc = runInNewContext('gc') as () => void;

const BUDGET = 256 * 1024;
/** Memory the test process may keep besides the budget: the shared slab, socket reads, promises, test bookkeeping. */
const MARGIN = 4 * 1024 * 1024;
const FLOOD_MS = 800;
/** Without a budget a flood would eat this much before the test gives up on it. */
const MAX_SENDS = 60_000;

/** A sending Conn (role `role`) whose peer's socket never reads. */
async function sendingPair(role: 'server' | 'client', deflate: boolean, opts: Partial<ConnOptions> = {}): Promise<Conn> {
  const { a, b, close } = await socketPair();
  closeLater(close);
  b.pause();
  const pm = deflate ? deflatePair() : null;
  return new Conn(a, { maxQueuedBytes: BUDGET, ...opts, role, deflate: pm?.[role] ?? null });
}

interface FloodResult {
  sends: number;
  ticks: number;
  peakBuffered: number;
  peakMemory: number;
}

/** Longest a flood runs: on a loaded machine filling the kernel's socket buffers takes a while. */
const FLOOD_MAX_MS = 8000;

/**
 * Run `send` in an awaited loop, counting timer ticks and the peak of queued
 * bytes and memory. It runs until timers have ticked for FLOOD_MS (the sends
 * are held back, so the event loop runs) or until FLOOD_MAX_MS or MAX_SENDS.
 */
async function flood(conn: Conn, send: () => Promise<void>): Promise<FloodResult> {
  const base = memory();
  const r: FloodResult = { sends: 0, ticks: 0, peakBuffered: 0, peakMemory: 0 };
  const started = Date.now();
  let stopped = false;
  let stop!: () => void;
  const stopping = new Promise<void>((resolve) => (stop = resolve));
  const timer = setInterval(() => {
    r.ticks++;
    if (r.ticks * 10 >= FLOOD_MS || Date.now() - started > FLOOD_MAX_MS) {
      stopped = true;
      stop();
    }
  }, 10);
  try {
    while (!stopped && r.sends < MAX_SENDS && Date.now() - started < FLOOD_MAX_MS) {
      // A send held back until the peer reads is what we want: the loop ends when told to stop.
      await Promise.race([send(), stopping]);
      if (stopped) break;
      r.sends++;
      if ((r.sends & 63) === 0) r.peakBuffered = Math.max(r.peakBuffered, conn.bufferedAmount);
      if ((r.sends & 4095) === 0) r.peakMemory = Math.max(r.peakMemory, memory() - base);
    }
  } finally {
    clearInterval(timer);
  }
  r.peakMemory = Math.max(r.peakMemory, memory() - base);
  return r;
}

/** Bytes kept in the heap and in buffers, after a full collection. */
function memory(): number {
  gc();
  const m = process.memoryUsage();
  return m.arrayBuffers + m.heapUsed;
}

function expectBounded(r: FloodResult): void {
  expect(r.ticks, `timer ticks during ${r.sends} sends`).toBeGreaterThanOrEqual(5);
  expect(r.peakBuffered, 'bufferedAmount').toBeLessThanOrEqual(2 * BUDGET + 64 * 1024);
  expect(r.peakMemory, 'memory growth').toBeLessThan(2 * BUDGET + MARGIN);
}

const KIB = Buffer.alloc(1024, 1);
const TEXT = 'x'.repeat(1024);
/** Random bytes, never repeated within a deflate window, do not compress: the queue fills as fast as without. */
const RANDOM = randomBytes(4 * 1024 * 1024);
let randomAt = 0;
function randomPiece(): Buffer {
  randomAt = (randomAt + 2048) % RANDOM.length;
  return RANDOM.subarray(randomAt, randomAt + 2048);
}

describe('outbound budget: awaited sends to a peer that does not read', () => {
  for (const role of ['server', 'client'] as const) {
    for (const deflate of [false, true]) {
      const label = `${role}${deflate ? ', deflate' : ''}`;
      it(`${label}: small binary sends wait, memory stays within the budget, timers run`, async () => {
        const conn = await sendingPair(role, deflate);
        expectBounded(await flood(conn, () => conn.send(deflate ? randomPiece() : KIB)));
      });
    }
    it(`${role}: small text sends`, async () => {
      const conn = await sendingPair(role, false);
      expectBounded(await flood(conn, () => conn.send(TEXT)));
    });
    it(`${role}: large sends (written as they are, not batched)`, async () => {
      const conn = await sendingPair(role, false);
      const big = Buffer.alloc(64 * 1024, 2);
      expectBounded(await flood(conn, () => conn.send(big)));
    });
    it(`${role}: a writer() fed in a loop`, async () => {
      const conn = await sendingPair(role, false);
      const w = conn.writer({ fragmentSize: 0 });
      w.on('error', () => undefined);
      expectBounded(
        await flood(conn, async () => {
          if (!w.write(KIB)) await once(w, 'drain');
        }),
      );
      w.destroy();
    });
  }

  it('sendValues() over a generator that is always ready', async () => {
    const conn = await sendingPair('server', false);
    let sent = 0;
    let ticks = 0;
    const started = Date.now();
    let stop!: () => void;
    const stopping = new Promise<void>((resolve) => (stop = resolve));
    const timer = setInterval(() => {
      if (++ticks * 10 >= FLOOD_MS || Date.now() - started > FLOOD_MAX_MS) stop();
    }, 10);
    const base = memory();
    function* values(): Generator<{ i: number; pad: string }> {
      while (ticks * 10 < FLOOD_MS && Date.now() - started < FLOOD_MAX_MS && sent < MAX_SENDS) yield { i: sent++, pad: TEXT };
    }
    const done = sendValues(conn, values(), jsonCodec).catch(() => undefined);
    await Promise.race([done, stopping]);
    clearInterval(timer);
    expect(ticks).toBeGreaterThanOrEqual(5);
    expect(conn.bufferedAmount).toBeLessThanOrEqual(2 * BUDGET + 64 * 1024);
    expect(memory() - base).toBeLessThan(2 * BUDGET + MARGIN);
    conn.terminate();
  });

  it('a budget smaller than the socket buffer is kept too, and whenWritable() waits for room', async () => {
    const small = 4 * 1024;
    const conn = await sendingPair('server', false, { maxQueuedBytes: small });
    let peak = 0;
    let blocked = false;
    for (let i = 0; i < 20_000 && !blocked; i++) {
      const p = conn.send(KIB);
      peak = Math.max(peak, conn.bufferedAmount);
      let settled = false;
      p.then(
        () => (settled = true),
        () => undefined,
      );
      await Promise.resolve();
      await Promise.resolve();
      if (settled) await p;
      else blocked = true;
    }
    expect(blocked).toBe(true);
    expect(peak).toBeLessThanOrEqual(small + 1024 + 16);
    expect(conn.bufferedAmount).toBeGreaterThan(small);
    let roomy = false;
    const room = conn.whenWritable().then(() => (roomy = true));
    await sleep(50);
    expect(roomy).toBe(false);
    conn.terminate();
    await expect(room).rejects.toThrow();
  });
});

/** Pings (125-byte payloads) back to back, the way a flooding peer writes them. */
function pingBurst(masked: boolean): Buffer {
  const one = RawPeer.frame(Opcode.Ping, Buffer.alloc(125, 9), { mask: masked });
  return Buffer.concat(Array.from({ length: 256 }, () => one));
}

/**
 * Write pings as fast as TCP lets us until our writes are held back (or
 * FLOOD_MAX_MS), then `ms` more; returns whether they were held back.
 */
async function pingFlood(socket: Socket, masked: boolean, ms: number, sample: () => void): Promise<boolean> {
  const burst = pingBurst(masked);
  const started = Date.now();
  let end = started + FLOOD_MAX_MS;
  let held = false;
  while (Date.now() < end && !socket.destroyed) {
    if (!socket.write(burst)) {
      if (!held) end = Math.min(end, Date.now() + ms);
      held = true;
      await Promise.race([once(socket, 'drain'), sleep(20)]);
    } else {
      await new Promise((r) => setImmediate(r));
    }
    sample();
  }
  return held;
}

describe('outbound budget: a peer that sends pings and never reads', () => {
  for (const role of ['server', 'client'] as const) {
    for (const [label, opts] of [
      ['', {}],
      [', deflate', { deflate: true }],
      [', heartbeat on', { heartbeatMs: 100 }],
    ] as const) {
      it(`${role}${label}: stops reading once the pongs fill the budget, so the peer is held back by TCP`, async () => {
        const { a, b, close } = await socketPair();
        closeLater(close);
        const deflate = 'deflate' in opts ? new PerMessageDeflate({ serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 }, role) : null;
        const heartbeatMs = 'heartbeatMs' in opts ? opts.heartbeatMs : 0;
        const conn = new Conn(a, { role, maxQueuedBytes: BUDGET, heartbeatMs, drainTimeoutMs: 0, deflate });
        b.pause();
        const base = memory();
        let peakBuffered = 0;
        let peakMemory = 0;
        let ticks = 0;
        const timer = setInterval(() => ticks++, 10);
        let samples = 0;
        const held = await pingFlood(b, role === 'server', 500, () => {
          peakBuffered = Math.max(peakBuffered, conn.bufferedAmount);
          if ((++samples & 15) === 0) peakMemory = Math.max(peakMemory, memory() - base);
        });
        peakMemory = Math.max(peakMemory, memory() - base);
        clearInterval(timer);
        expect(held, "the peer's writes were held back").toBe(true);
        expect(a.isPaused(), 'reading paused').toBe(true);
        expect(peakBuffered).toBeLessThanOrEqual(2 * BUDGET + 64 * 1024);
        expect(peakMemory).toBeLessThan(2 * BUDGET + MARGIN);
        expect(ticks).toBeGreaterThanOrEqual(10);
        expect(conn.isOpen).toBe(true);
        // Once the peer reads, the pongs drain and reading resumes.
        b.resume();
        await Promise.race([once(a, 'resume'), sleep(3000)]);
        expect(a.isPaused()).toBe(false);
        conn.terminate();
      });
    }
  }

  it('a peer that stays over the budget longer than drainTimeoutMs is closed with 1008', async () => {
    const { a, b, close } = await socketPair();
    closeLater(close);
    const conn = new Conn(a, { role: 'server', maxQueuedBytes: BUDGET, drainTimeoutMs: 300, closeTimeoutMs: 300 });
    const errors: Error[] = [];
    conn.on('error', (e) => errors.push(e));
    b.pause();
    void pingFlood(b, true, 1500, () => undefined);
    const info = await Promise.race([conn.closed, sleep(4000).then(() => null)]);
    expect(info).not.toBeNull();
    expect(info?.code).toBe(1008);
    expect(info?.error).toBeInstanceOf(DrainTimeoutError);
    expect((info?.error as DrainTimeoutError).code).toBe('ERR_DRAIN_TIMEOUT');
    expect(errors[0]).toBeInstanceOf(DrainTimeoutError);
  });
});

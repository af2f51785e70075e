/**
 * Property-based checks over random traffic, against the zwire server and client:
 * - valid traffic (random messages, sizes, fragmentation, pings between fragments, random TCP
 *   chops) is echoed exactly and in order, every ping answered in order;
 * - arbitrary bytes after the handshake never hang or crash the endpoint: once we stop, the
 *   connection ends, Conn.closed resolves, and a close frame, if any, carries a failure code.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloseInfo } from '../../src/index.js';
import { OP, type FrameSpec } from '../helpers/frame-builder.js';
import { FakeServer } from '../helpers/fake-server.js';
import { rawConnect } from '../helpers/raw-client.js';
import type { RawPeer } from '../helpers/raw-peer.js';
import { echo, openClient, startEchoServer, type EchoServer } from '../helpers/zwire-peers.js';

interface Msg {
  binary: boolean;
  data: Buffer;
  /** Fragment sizes (the last fragment takes the rest). */
  cuts: number[];
  /** Insert a ping after this many fragments (or none). */
  pingAfter: number | null;
}

const textArb = fc.string({ unit: 'grapheme', maxLength: 300 }).map((s) => Buffer.from(s, 'utf8'));
const binArb = fc.uint8Array({ maxLength: 3000 }).map((u) => Buffer.from(u));
const msgArb: fc.Arbitrary<Msg> = fc.record({
  binary: fc.boolean(),
  text: textArb,
  bin: binArb,
  cuts: fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 4 }),
  pingAfter: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
}).map(({ binary, text, bin, cuts, pingAfter }) => ({ binary, data: binary ? bin : text, cuts, pingAfter }));

/** Frames of one message cut at the given sizes (text may be cut inside code points), pings inside. */
function framesOf(m: Msg, pingPayload: string): FrameSpec[] {
  const out: FrameSpec[] = [];
  let pos = 0;
  const pieces: Buffer[] = [];
  for (const c of m.cuts) {
    if (pos >= m.data.length) break;
    pieces.push(m.data.subarray(pos, pos + c));
    pos += c;
  }
  pieces.push(m.data.subarray(Math.min(pos, m.data.length)));
  pieces.forEach((p, i) => {
    out.push({ opcode: i === 0 ? (m.binary ? OP.binary : OP.text) : OP.cont, payload: p, fin: i === pieces.length - 1 });
    if (m.pingAfter === i + 1 && i < pieces.length - 1) out.push({ opcode: OP.ping, payload: pingPayload });
  });
  return out;
}

async function checkValidTraffic(peer: RawPeer, msgs: Msg[], chopSeed: number): Promise<void> {
  let k = chopSeed;
  peer.chopper = () => {
    k = (k * 1103515245 + 12345) >>> 0;
    return 1 + (k % 700);
  };
  const frames = msgs.flatMap((m, i) => framesOf(m, `ping ${i}`));
  const pings = frames.filter((f) => f.opcode === OP.ping).map((f) => String(f.payload));
  await peer.send(frames);
  const want = msgs.length + pings.length;
  const ok = await peer.waitUntil(() => peer.events.length >= want || peer.closeFrame !== null, 5000);
  expect(ok).toBe(true);
  const got = peer.events;
  expect(got.filter((e) => e.type === 'violation')).toEqual([]);
  expect(peer.closeFrame).toBeNull();
  const pongs = got.filter((e) => e.type === 'pong').map((e) => (e.type === 'pong' ? e.data.toString() : ''));
  expect(pongs).toEqual(pings);
  const echoed = got.filter((e) => e.type === 'message');
  expect(echoed.length).toBe(msgs.length);
  echoed.forEach((e, i) => {
    if (e.type !== 'message') return;
    expect(e.binary, `message ${i} type`).toBe(msgs[i].binary);
    expect(e.data.equals(msgs[i].data), `message ${i} payload`).toBe(true);
  });
  await peer.sendClose(1000);
  expect(await peer.waitCloseOrDrop(3000)).toBe(true);
  expect(peer.closeFrame?.code).toBe(1000);
  peer.destroy();
}

/** Garbage, then we stop writing (FIN): the endpoint must end the connection by itself, cleanly reported. */
async function checkGarbage(peer: RawPeer, garbage: Uint8Array, closed: () => Promise<CloseInfo> | undefined): Promise<void> {
  peer.chopper = null;
  await peer.sendRaw(garbage);
  peer.socket.end();
  expect(await peer.waitTcpClose(3000), 'the endpoint closed the connection').toBe(true);
  const info = await Promise.race([closed(), new Promise<null>((resolve) => setTimeout(() => resolve(null), 3000))]);
  expect(info, 'Conn.closed resolved').not.toBeNull();
  const cf = peer.closeFrame;
  if (cf === null || peer.sentClose) return;
  // The garbage may hold a close frame without a code: the answer then carries none either.
  if (cf.code === null) expect(info?.code, 'a codeless close answers a codeless close').toBe(1005);
  else expect([1000, 1002, 1007, 1009]).toContain(cf.code);
}

const RUNS = 100;

describe('fuzz: zwire server', () => {
  let srv: EchoServer;
  beforeAll(async () => {
    srv = await startEchoServer();
  });
  afterAll(() => srv.close());

  it('echoes random valid traffic in random chops exactly and in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(msgArb, { minLength: 1, maxLength: 8 }), fc.nat(), async (msgs, seed) => {
        await checkValidTraffic((await rawConnect(srv.port)).peer, msgs, seed);
      }),
      { numRuns: RUNS },
    );
  });

  it('ends the connection on arbitrary bytes without hanging or crashing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (garbage) => {
        const index = srv.closes.length;
        const { peer } = await rawConnect(srv.port);
        await checkGarbage(peer, garbage, () => srv.closes[index]);
      }),
      // A masked close frame without a code.
      { numRuns: RUNS, examples: [[new Uint8Array([0x88, 0x80, 1, 2, 3, 4])]] },
    );
  });
});

describe('fuzz: zwire client', () => {
  let fake: FakeServer;
  beforeAll(async () => {
    fake = await FakeServer.start();
  });
  afterAll(() => fake.close());

  it('echoes random valid traffic in random chops exactly and in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(msgArb, { minLength: 1, maxLength: 8 }), fc.nat(), async (msgs, seed) => {
        const [conn, { peer }] = await Promise.all([openClient(fake.url), fake.accept()]);
        void echo(conn);
        await checkValidTraffic(peer, msgs, seed);
      }),
      { numRuns: RUNS },
    );
  });

  it('ends the connection on arbitrary bytes without hanging or crashing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (garbage) => {
        const [conn, { peer }] = await Promise.all([openClient(fake.url), fake.accept()]);
        void echo(conn);
        await checkGarbage(peer, garbage, () => conn.closed);
      }),
      // A close frame without a code, alone and after a message.
      { numRuns: RUNS, examples: [[new Uint8Array([0x88, 0x00])], [new Uint8Array([0x81, 0x01, 0x41, 0x88, 0x00])]] },
    );
  });
});

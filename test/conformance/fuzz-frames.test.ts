/**
 * Property-based: one random frame (any FIN/RSV/opcode/mask/length/payload) sent after the
 * handshake, judged by an oracle written from RFC 6455 sections 5 and 7: the endpoint must echo,
 * answer, ignore, or fail with exactly the code the RFC asks for. Server and client.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFrame, OP } from '../helpers/frame-builder.js';
import { FakeServer } from '../helpers/fake-server.js';
import { rawConnect } from '../helpers/raw-client.js';
import { isWireCloseCode, type RawPeer } from '../helpers/raw-peer.js';
import { Utf8Prefix } from '../helpers/utf8-check.js';
import { echo, openClient, startEchoServer, type EchoServer } from '../helpers/zwire-peers.js';

interface RandomFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  /** Masked as the role requires, or the wrong way round. */
  rightMasking: boolean;
  payload: Buffer;
}

/** What the endpoint must do with the frame, alone on a fresh connection. */
type Verdict = { kind: 'fail'; code: number } | { kind: 'echo' } | { kind: 'pong' } | { kind: 'nothing' } | { kind: 'close'; code: number | null };

function oracle(f: RandomFrame): Verdict {
  const control = f.opcode >= 8;
  if (!f.rightMasking) return { kind: 'fail', code: 1002 };
  if (f.rsv !== 0) return { kind: 'fail', code: 1002 };
  if (![0, 1, 2, 8, 9, 10].includes(f.opcode)) return { kind: 'fail', code: 1002 };
  if (control && (!f.fin || f.payload.length > 125)) return { kind: 'fail', code: 1002 };
  if (f.opcode === OP.cont) return { kind: 'fail', code: 1002 };
  if (f.opcode === OP.ping) return { kind: 'pong' };
  if (f.opcode === OP.pong) return { kind: 'nothing' };
  if (f.opcode === OP.close) {
    if (f.payload.length === 0) return { kind: 'close', code: null };
    if (f.payload.length === 1) return { kind: 'fail', code: 1002 };
    const code = f.payload.readUInt16BE(0);
    if (!isWireCloseCode(code)) return { kind: 'fail', code: 1002 };
    const v = new Utf8Prefix();
    if (!v.write(f.payload.subarray(2)) || !v.complete()) return { kind: 'fail', code: 1007 };
    return { kind: 'close', code };
  }
  if (f.opcode === OP.text) {
    const v = new Utf8Prefix();
    if (!v.write(f.payload) || (f.fin && !v.complete())) return { kind: 'fail', code: 1007 };
  }
  return f.fin ? { kind: 'echo' } : { kind: 'nothing' };
}

const payloadArb = fc.oneof(
  fc.uint8Array({ maxLength: 140 }).map((u) => Buffer.from(u)),
  fc.string({ unit: 'grapheme', maxLength: 60 }).map((s) => Buffer.from(s)),
  fc.tuple(fc.integer({ min: 0, max: 65535 }), fc.string({ maxLength: 20 })).map(([code, r]) => {
    const b = Buffer.alloc(2 + Buffer.byteLength(r));
    b.writeUInt16BE(code, 0);
    b.write(r, 2);
    return b;
  }),
);

const frameArb: fc.Arbitrary<RandomFrame> = fc.record({
  fin: fc.boolean(),
  rsv: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 7 })),
  opcode: fc.oneof(fc.constantFrom(0, 1, 2, 8, 9, 10), fc.integer({ min: 0, max: 15 })),
  rightMasking: fc.oneof(fc.constant(true), fc.boolean()),
  payload: payloadArb,
});

async function judge(peer: RawPeer, f: RandomFrame): Promise<void> {
  const mask = peer.role === 'client' ? f.rightMasking : !f.rightMasking;
  await peer.sendRaw(buildFrame({ opcode: f.opcode, fin: f.fin, rsv: f.rsv, payload: f.payload, mask }));
  const v = oracle(f);
  const label = `fin=${f.fin} rsv=${f.rsv} op=${f.opcode} rightMask=${f.rightMasking} payload=${f.payload.toString('hex')} -> ${JSON.stringify(v)}`;
  if (v.kind === 'fail' || v.kind === 'close') {
    expect(await peer.waitCloseOrDrop(3000), label).toBe(true);
    expect(peer.closeFrame?.code ?? null, label).toBe(v.kind === 'fail' ? v.code : v.code);
    expect(peer.events, label).toEqual([]);
    return;
  }
  if (v.kind === 'echo' || v.kind === 'pong') {
    expect(await peer.waitUntil(() => peer.events.length > 0 || peer.closeFrame !== null, 3000), label).toBe(true);
    const e = peer.events[0];
    if (v.kind === 'pong') expect(e, label).toEqual({ type: 'pong', data: f.payload });
    else expect(e, label).toEqual({ type: 'message', binary: f.opcode === OP.binary, data: f.payload });
  }
  // Afterwards (or for 'nothing') the connection is still open and usable.
  await peer.send({ opcode: OP.ping, payload: 'still there?' });
  expect(await peer.waitUntil(() => peer.events.some((e) => e.type === 'pong' && e.data.toString() === 'still there?'), 3000), label).toBe(true);
  expect(peer.closeFrame, label).toBeNull();
  expect(peer.events.filter((e) => e.type === 'violation'), label).toEqual([]);
}

const RUNS = 300;

describe('fuzz: one random frame, judged by an RFC oracle', () => {
  let srv: EchoServer;
  let fake: FakeServer;
  beforeAll(async () => {
    srv = await startEchoServer();
    fake = await FakeServer.start();
  });
  afterAll(async () => {
    await srv.close();
    await fake.close();
  });

  it('zwire server', async () => {
    await fc.assert(
      fc.asyncProperty(frameArb, async (f) => {
        const { peer } = await rawConnect(srv.port);
        try {
          await judge(peer, f);
        } finally {
          peer.destroy();
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('zwire client', async () => {
    await fc.assert(
      fc.asyncProperty(frameArb, async (f) => {
        const [conn, { peer }] = await Promise.all([openClient(fake.url), fake.accept()]);
        void echo(conn);
        try {
          await judge(peer, f);
        } finally {
          peer.destroy();
        }
      }),
      { numRuns: RUNS },
    );
  });
});

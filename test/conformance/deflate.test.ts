/**
 * Autobahn TestSuite sections 12 and 13 (permessage-deflate) rebuilt as our own tests, both sides.
 *
 * Each Autobahn case sends messages of one size taken from a test file (walking it with a moving pointer),
 * one at a time, and expects each echoed intact; "auto-fragment" splits every message into frames of that
 * many bytes. Autobahn sends 1000 messages per case; we send 50 (16 above 16 KiB) and a representative
 * subset of its 18 sizes. Section 12 runs five data sets with the default offer, section 13 the seven
 * offer/answer combinations over the JSON data. The other end is tests/deflate/pmd-peer.ts, an independent
 * implementation on long-lived node:zlib streams (as Autobahn and ws work).
 *
 * Server side: the peer offers and zwire's `listen` answers and echoes. Section 12 offers ws's default
 * ("client_max_window_bits") instead of Autobahn's, whose client_no_context_takeover would leave client
 * context takeover untested in both sections. Client side: zwire's `connect` offers, the peer answers as
 * Autobahn's accept functions do and echoes; zwire's client makes one offer, so case 13.7 offers its first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/client/index.js';
import { listen, type Conn, type WebSocketServer } from '../../src/index.js';
import type { DeflateOptions } from '../../src/deflate/index.js';
import { DATA_SETS, Slicer, type DataSet } from '../deflate/datasets.js';
import { connectPeer, startPeerServer, type DeflatePeer, type Element } from '../deflate/pmd-peer.js';

/** (payload length, auto-fragment size): a subset of Autobahn's MSG_SIZES. */
const SIZES: [number, number][] = [
  [16, 0], [64, 0], [256, 0], [1024, 0], [4096, 0], [16384, 0], [65536, 0], [131072, 0],
  [8192, 256], [65536, 256], [131072, 1024], [131072, 32768],
];
const count = (len: number): number => (len <= 16384 ? 50 : 16);
const JSON_DATA = DATA_SETS[3];

interface Section13 {
  offer: string;
  client: DeflateOptions;
  accept(offers: Element[]): Element | null;
}

const BASE_OFFER = 'permessage-deflate; client_no_context_takeover; client_max_window_bits';

function answer(offer: Element, clientNoContext: boolean, clientBits: number | null): Element {
  const params = new Map<string, string | true>();
  if (offer.params.has('server_no_context_takeover')) params.set('server_no_context_takeover', true);
  const sb = offer.params.get('server_max_window_bits');
  if (typeof sb === 'string') params.set('server_max_window_bits', sb);
  if (clientNoContext) params.set('client_no_context_takeover', true);
  if (clientBits !== null) params.set('client_max_window_bits', String(clientBits));
  return { name: 'permessage-deflate', params };
}

/** Autobahn's accept1..accept6: (request client no context takeover, request client max window bits). */
function acceptWith(clientNoContext: boolean, clientBits: number | null): (offers: Element[]) => Element | null {
  return (offers) => {
    const o = offers.find((x) => clientBits === null || x.params.has('client_max_window_bits'));
    return o === undefined ? null : answer(o, clientNoContext, clientBits);
  };
}

const SECTION_13: Section13[] = [
  { offer: BASE_OFFER, client: {}, accept: acceptWith(false, null) },
  { offer: `${BASE_OFFER}; server_no_context_takeover`, client: { serverNoContextTakeover: true }, accept: acceptWith(true, null) },
  { offer: `${BASE_OFFER}; server_max_window_bits=8`, client: { serverMaxWindowBits: 8 }, accept: acceptWith(false, 8) },
  { offer: `${BASE_OFFER}; server_max_window_bits=15`, client: { serverMaxWindowBits: 15 }, accept: acceptWith(false, 15) },
  { offer: `${BASE_OFFER}; server_no_context_takeover; server_max_window_bits=8`, client: { serverNoContextTakeover: true, serverMaxWindowBits: 8 }, accept: acceptWith(true, 8) },
  { offer: `${BASE_OFFER}; server_no_context_takeover; server_max_window_bits=15`, client: { serverNoContextTakeover: true, serverMaxWindowBits: 15 }, accept: acceptWith(true, 15) },
  {
    offer: `${BASE_OFFER}; server_no_context_takeover; server_max_window_bits=8, ${BASE_OFFER}; server_no_context_takeover, ${BASE_OFFER}`,
    client: { serverNoContextTakeover: true, serverMaxWindowBits: 8 },
    accept: (offers) => acceptWith(true, 8)(offers) ?? acceptWith(true, null)(offers) ?? acceptWith(false, null)(offers),
  },
];

/** What a server must answer to an offer element it accepts, checked against the offer (RFC 7692 §7). */
function checkAnswer(offer: string, accepted: Element | null): void {
  expect(accepted).not.toBeNull();
  const first = offer.split(',')[0];
  const a = (accepted as Element).params;
  for (const k of a.keys()) expect(['server_no_context_takeover', 'client_no_context_takeover', 'server_max_window_bits', 'client_max_window_bits']).toContain(k);
  if (first.includes('server_no_context_takeover')) expect(a.has('server_no_context_takeover')).toBe(true);
  const offeredBits = /server_max_window_bits=(\d+)/.exec(first);
  if (offeredBits !== null) expect(Number(a.get('server_max_window_bits'))).toBeLessThanOrEqual(Number(offeredBits[1]));
}

async function serverCase(port: number, offer: string, set: DataSet, len: number, frag: number): Promise<void> {
  const { peer, accepted } = await connectPeer(port, offer);
  try {
    checkAnswer(offer, accepted);
    const slicer = new Slicer(set);
    for (let i = 0; i < count(len); i++) {
      const msg = slicer.next(len);
      await peer.sendMessage(msg, set.binary, { fragment: frag });
      const echo = await peer.nextMessage();
      expect(echo.binary).toBe(set.binary);
      expect(echo.compressed).toBe(true);
      expect(echo.data.length).toBe(len);
      expect(Buffer.compare(echo.data, msg)).toBe(0);
    }
    peer.sendClose(1000);
    expect(await peer.closed()).toBe(1000);
    expect(peer.violations).toEqual([]);
  } finally {
    peer.destroy();
  }
}

async function readOne(conn: Conn): Promise<{ binary: boolean; data: Buffer }> {
  const r = await conn[Symbol.asyncIterator]().next();
  if (r.done === true) throw new Error('connection ended before the echo');
  return r.value;
}

async function clientCase(s: Section13, set: DataSet, len: number, frag: number): Promise<void> {
  const echoed: Promise<void>[] = [];
  const peers: DeflatePeer[] = [];
  const server = await startPeerServer(s.accept, (peer) => {
    peers.push(peer);
    echoed.push(
      (async () => {
        for (;;) {
          const m = await peer.nextMessage(10_000).catch(() => null);
          if (m === null) return;
          if (!m.compressed) peer.violations.push('client message not compressed');
          await peer.sendMessage(m.data, m.binary, { fragment: frag });
        }
      })(),
    );
  });
  try {
    const conn = await connect(`ws://127.0.0.1:${server.port}/`, { deflate: { ...s.client, threshold: 0 } });
    const slicer = new Slicer(set);
    for (let i = 0; i < count(len); i++) {
      const msg = slicer.next(len);
      if (frag > 0) {
        const w = conn.writer({ binary: set.binary, fragmentSize: frag });
        await new Promise<void>((resolve, reject) => w.end(msg, (err?: Error | null) => (err ? reject(err) : resolve())));
      } else {
        await conn.send(msg, { binary: set.binary });
      }
      const echo = await readOne(conn);
      expect(echo.binary).toBe(set.binary);
      expect(echo.data.length).toBe(len);
      expect(Buffer.compare(echo.data, msg)).toBe(0);
    }
    const closing = conn.close(1000);
    await peers[0].waitUntil(() => peers[0].closeCode !== undefined, 5000);
    peers[0].sendClose(1000);
    const info = await closing;
    expect(info.code).toBe(1000);
    expect(peers[0].closeCode).toBe(1000);
    expect(peers[0].violations).toEqual([]);
  } finally {
    await server.close();
    await Promise.all(echoed);
  }
}

describe('Autobahn 12.x / 13.x, zwire server', () => {
  let server: WebSocketServer;
  beforeAll(async () => {
    server = await listen({ port: 0, deflate: { threshold: 0 } }, async (conn) => {
      for await (const m of conn) await conn.send(m.data, { binary: m.binary });
    });
  });
  afterAll(() => server.close());

  DATA_SETS.forEach((set, j) => {
    SIZES.forEach(([len, frag], i) => {
      it(`12.${j + 1}.${i + 1} ${set.name}: ${count(len)} x ${len} B, auto-fragment ${frag}`, () =>
        serverCase(server.port, 'permessage-deflate; client_max_window_bits', set, len, frag));
    });
  });

  SECTION_13.forEach((s, j) => {
    SIZES.forEach(([len, frag], i) => {
      it(`13.${j + 1}.${i + 1} offer "${s.offer}": ${count(len)} x ${len} B, auto-fragment ${frag}`, () =>
        serverCase(server.port, s.offer, JSON_DATA, len, frag));
    });
  });
});

describe('Autobahn 12.x / 13.x, zwire client', () => {
  DATA_SETS.forEach((set, j) => {
    SIZES.forEach(([len, frag], i) => {
      it(`12.${j + 1}.${i + 1} ${set.name}: ${count(len)} x ${len} B, auto-fragment ${frag}`, () =>
        clientCase(SECTION_13[0], set, len, frag));
    });
  });

  SECTION_13.forEach((s, j) => {
    SIZES.forEach(([len, frag], i) => {
      it(`13.${j + 1}.${i + 1} offer ${JSON.stringify(s.client)}: ${count(len)} x ${len} B, auto-fragment ${frag}`, () =>
        clientCase(s, JSON_DATA, len, frag));
    });
  });
});

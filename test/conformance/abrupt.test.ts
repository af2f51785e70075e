/**
 * The peer vanishes without a closing handshake, at every awkward point of the stream: the zwire
 * endpoint must notice at once, end with 1006 (not clean, an error the application can inspect),
 * release the socket and let the application's reading loop finish. Whole-message and streaming
 * readers, server and client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloseInfo, Conn } from '../../src/index.js';
import { buildFrame, OP } from '../helpers/frame-builder.js';
import { FakeServer } from '../helpers/fake-server.js';
import { rawConnect } from '../helpers/raw-client.js';
import type { RawPeer } from '../helpers/raw-peer.js';
import { echo, openClient, scripted, startServer, streamingEcho, type EchoServer } from '../helpers/zwire-peers.js';

const WAIT_MS = 2000;

/** What to write before vanishing; `mask` is true when we play the client. */
const ENDINGS: [string, (mask: boolean) => Buffer][] = [
  ['right after the handshake', () => Buffer.alloc(0)],
  ['inside a frame header', (mask) => buildFrame({ opcode: OP.text, payload: 'x'.repeat(300), mask }).subarray(0, 3)],
  ['inside a payload', (mask) => buildFrame({ opcode: OP.binary, payload: Buffer.alloc(5000, 7), mask }).subarray(0, 1000)],
  ['between fragments of a message', (mask) => buildFrame({ opcode: OP.text, payload: 'fragment1', fin: false, mask })],
  ['inside a close frame', (mask) => buildFrame({ opcode: OP.close, payload: Buffer.from([0x03, 0xe8, 0x41]), mask }).subarray(0, 4)],
];

type Handler = (conn: Conn) => Promise<void>;
const READERS: [string, Handler][] = [
  ['whole messages', echo],
  ['streaming', streamingEcho],
];

async function expectAbnormal(closed: Promise<CloseInfo>, handlerDone: Promise<unknown>): Promise<void> {
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), WAIT_MS));
  const info = await Promise.race([closed, timeout]);
  expect(info, `Conn.closed within ${WAIT_MS} ms`).not.toBeNull();
  expect(info!.code).toBe(1006);
  expect(info!.wasClean).toBe(false);
  expect(info!.error).toBeInstanceOf(Error);
  const finished = await Promise.race([handlerDone.then(() => true, () => true), timeout]);
  expect(finished, 'the application reading loop ended').toBe(true);
}

async function vanish(peer: RawPeer, bytes: Buffer, how: 'destroy' | 'end'): Promise<void> {
  await peer.sendRaw(bytes);
  if (how === 'destroy') peer.socket.destroy();
  else peer.socket.end();
}

for (const [readerName, handler] of READERS) {
  describe(`zwire server (${readerName}), client vanishes`, () => {
    let srv: EchoServer;
    const done: Promise<unknown>[] = [];
    beforeAll(async () => {
      srv = await startServer((conn) => {
        const p = handler(conn);
        done.push(p);
        return p;
      });
    });
    afterAll(() => srv.close());

    for (const [where, bytes] of ENDINGS) {
      for (const how of ['destroy', 'end'] as const) {
        it(`${where} (${how === 'destroy' ? 'TCP reset/close' : 'TCP FIN only'})`, async () => {
          const index = srv.closes.length;
          const { peer } = await rawConnect(srv.port);
          await vanish(peer, bytes(true), how);
          for (let i = 0; i < 100 && srv.closes.length <= index; i++) await new Promise((resolve) => setTimeout(resolve, 5));
          await expectAbnormal(srv.closes[index], done[index]);
          if (how === 'end') expect(await peer.waitTcpClose(WAIT_MS), 'the server closed its side too').toBe(true);
          peer.destroy();
        });
      }
    }
  });

  describe(`zwire client (${readerName}), server vanishes`, () => {
    let fake: FakeServer;
    beforeAll(async () => {
      fake = await FakeServer.start();
    });
    afterAll(() => fake.close());

    for (const [where, bytes] of ENDINGS) {
      for (const how of ['destroy', 'end'] as const) {
        it(`${where} (${how === 'destroy' ? 'TCP reset/close' : 'TCP FIN only'})`, async () => {
          const [conn, { peer }] = await Promise.all([openClient(fake.url), fake.accept()]);
          const done = handler(conn);
          await vanish(peer, bytes(false), how);
          await expectAbnormal(conn.closed, done);
          if (how === 'end') expect(await peer.waitTcpClose(WAIT_MS), 'the client closed its side too').toBe(true);
          peer.destroy();
        });
      }
    }
  });
}

describe('the peer stalls the closing handshake', () => {
  const CLOSE_TIMEOUT_MS = 300;

  it('zwire server: a client that never answers our close is dropped after closeTimeoutMs', async () => {
    const srv = await startServer(scripted, { closeTimeoutMs: CLOSE_TIMEOUT_MS });
    try {
      const { peer } = await rawConnect(srv.port);
      await peer.send({ opcode: OP.text, payload: 'close 1000 bye' });
      expect(await peer.waitCloseOrDrop(WAIT_MS)).toBe(true);
      expect(peer.closeFrame?.code).toBe(1000);
      const t0 = performance.now();
      expect(await peer.waitTcpClose(WAIT_MS), 'server dropped the silent client').toBe(true);
      expect(performance.now() - t0).toBeLessThan(CLOSE_TIMEOUT_MS + 1000);
      const info = await srv.closes[0];
      expect([info.wasClean, info.error instanceof Error]).toEqual([false, true]);
    } finally {
      await srv.close();
    }
  });

  it('zwire client: a server that never answers our close is dropped after closeTimeoutMs', async () => {
    const fake = await FakeServer.start();
    try {
      const [conn, { peer }] = await Promise.all([openClient(fake.url, { closeTimeoutMs: CLOSE_TIMEOUT_MS }), fake.accept()]);
      const closing = conn.close(1000, 'bye');
      expect(await peer.waitCloseOrDrop(WAIT_MS)).toBe(true);
      expect(peer.closeFrame?.code).toBe(1000);
      expect(await peer.waitTcpClose(WAIT_MS), 'client dropped the silent server').toBe(true);
      const info = await closing;
      expect([info.wasClean, info.error instanceof Error]).toEqual([false, true]);
    } finally {
      await fake.close();
    }
  });

  it('zwire client: a server that answers the close but keeps TCP open is dropped after closeTimeoutMs', async () => {
    const fake = await FakeServer.start();
    try {
      const [conn, { peer }] = await Promise.all([openClient(fake.url, { closeTimeoutMs: CLOSE_TIMEOUT_MS }), fake.accept()]);
      const closing = conn.close(1000, 'bye');
      expect(await peer.waitCloseOrDrop(WAIT_MS)).toBe(true);
      await peer.sendClose(1000);
      expect(await peer.waitTcpClose(WAIT_MS), 'client closed TCP itself in the end').toBe(true);
      const info = await closing;
      expect(info.code).toBe(1000);
    } finally {
      await fake.close();
    }
  });
});

describe('heartbeat', () => {
  const HEARTBEAT_MS = 100;

  it('zwire server: a client that answers pings stays connected; one that stops is dropped', async () => {
    const srv = await startServer(echo, { heartbeatMs: HEARTBEAT_MS });
    try {
      const { peer } = await rawConnect(srv.port);
      await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS * 5));
      expect(peer.events.filter((e) => e.type === 'ping').length, 'pings sent by the server').toBeGreaterThanOrEqual(2);
      expect([peer.tcpClosed, peer.closeFrame]).toEqual([false, null]);
      peer.autoPong = false;
      expect(await peer.waitTcpClose(HEARTBEAT_MS * 10), 'silent client dropped').toBe(true);
      const info = await srv.closes[0];
      expect([info.wasClean, info.error instanceof Error]).toEqual([false, true]);
    } finally {
      await srv.close();
    }
  });

  it('zwire client: a server that stops answering pings is dropped', async () => {
    const fake = await FakeServer.start();
    try {
      const [conn, { peer }] = await Promise.all([openClient(fake.url, { heartbeatMs: HEARTBEAT_MS }), fake.accept()]);
      peer.autoPong = false;
      expect(await peer.waitTcpClose(HEARTBEAT_MS * 10), 'silent server dropped').toBe(true);
      const info = await conn.closed;
      expect([info.wasClean, info.error instanceof Error]).toEqual([false, true]);
    } finally {
      await fake.close();
    }
  });
});

describe('an application that stops reading', () => {
  const CLOSE_TIMEOUT_MS = 300;

  it('zwire server: a violation behind the last message read still fails the connection within closeTimeoutMs', async () => {
    let stop: () => void = () => {};
    const srv = await startServer(
      async (conn) => {
        const it = conn[Symbol.asyncIterator]();
        await it.next();
        await new Promise<void>((resolve) => (stop = resolve));
      },
      { closeTimeoutMs: CLOSE_TIMEOUT_MS },
    );
    try {
      const { peer } = await rawConnect(srv.port);
      await peer.send([{ opcode: OP.text, payload: 'read me' }, { opcode: OP.text, payload: 'bad', rsv: 2 }]);
      expect(await peer.waitCloseOrDrop(CLOSE_TIMEOUT_MS + 1500), 'failed although the application is not reading').toBe(true);
      expect(peer.closeFrame?.code).toBe(1002);
      expect(await peer.waitTcpClose(2000)).toBe(true);
      const info = await srv.closes[0];
      expect([info.code, info.wasClean, info.error instanceof Error]).toEqual([1002, false, true]);
    } finally {
      stop();
      await srv.close();
    }
  });
});

/**
 * Hostile permessage-deflate traffic from a raw socket against zwire's server (and from a raw server
 * against zwire's client): zip bombs, corrupt deflate streams, RSV1 where RFC 7692 forbids it.
 * Each must end in a close frame with the right code, never a crash or a hang.
 */
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/client/index.js';
import { NegotiationError } from '../../src/deflate/index.js';
import { listen, type CloseInfo, type WebSocketServer } from '../../src/index.js';
import { buildFrame, OP } from '../helpers/frame-builder.js';
import { connectPeer, startPeerServer, type DeflatePeer } from '../deflate/pmd-peer.js';

const MiB = 1024 * 1024;
const ZEROS_WINDOW = Buffer.alloc(32 * 1024);

/** Raw deflate (tail stripped) of 32 KiB + copies * 16 MiB of zeros, about 16 KiB per copy. */
function bomb(copies: number): Buffer {
  const head = zlib.deflateRawSync(ZEROS_WINDOW, { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const block = zlib.deflateRawSync(Buffer.alloc(16 * MiB), { level: 9, dictionary: ZEROS_WINDOW, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const whole = Buffer.concat([head, ...Array<Buffer>(copies).fill(block)]);
  return whole.subarray(0, whole.length - 4);
}

const OFFER = 'permessage-deflate; client_max_window_bits';

describe('hostile compressed traffic against the zwire server', () => {
  let server: WebSocketServer;
  const closes: Promise<CloseInfo>[] = [];
  beforeAll(async () => {
    server = await listen({ port: 0, maxMessageSize: 4 * MiB, deflate: true }, async (conn) => {
      closes.push(conn.closed);
      for await (const m of conn) await conn.send(m.data, { binary: m.binary });
    });
  });
  afterAll(() => server.close());

  async function expectClose(send: (peer: DeflatePeer) => void | Promise<void>, code: number, offer: string | null = OFFER): Promise<void> {
    const { peer } = await connectPeer(server.port, offer);
    try {
      await send(peer);
      expect(await peer.closed(5000)).toBe(code);
      expect(await peer.waitUntil(() => peer.tcpClosed, 5000)).toBe(true);
      const info = await closes.at(-1);
      expect(info?.code).toBe(code);
    } finally {
      peer.destroy();
    }
  }

  it('a 1 MiB frame that inflates to 1 GiB: 1009, quickly and without allocating it', async () => {
    const data = bomb(64);
    const rss = process.memoryUsage().rss;
    const t = performance.now();
    await expectClose((p) => p.sendRaw(buildFrame({ opcode: OP.binary, payload: data, rsv: 4, mask: true })), 1009);
    expect(performance.now() - t).toBeLessThan(3000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * MiB);
  });

  it('a 32 KiB bomb in 1-KiB fragments: 1009', async () => {
    const data = bomb(2);
    const frames: Buffer[] = [];
    for (let off = 0; off < data.length; off += 1024) {
      frames.push(buildFrame({ opcode: off === 0 ? OP.binary : OP.cont, payload: data.subarray(off, off + 1024), fin: off + 1024 >= data.length, rsv: off === 0 ? 4 : 0, mask: true }));
    }
    await expectClose((p) => p.sendRaw(Buffer.concat(frames)), 1009);
  });

  it('an invalid deflate block type: 1007', async () => {
    await expectClose((p) => p.sendRaw(buildFrame({ opcode: OP.binary, payload: Buffer.from([0xff, 0xff, 0xff, 0x00]), rsv: 4, mask: true })), 1007);
  });

  it('a back-reference before the start of the stream: 1007', async () => {
    const text = Buffer.from('zwire zwire zwire zwire zwire zwire');
    const c = zlib.deflateRawSync(text, { dictionary: text, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    await expectClose((p) => p.sendRaw(buildFrame({ opcode: OP.text, payload: c.subarray(0, c.length - 4), rsv: 4, mask: true })), 1007);
  });

  it('a stored block whose length check fails, in the second fragment: 1007', async () => {
    const good = zlib.deflateRawSync(Buffer.from('hello'), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    await expectClose(
      (p) =>
        p.sendRaw(
          Buffer.concat([
            buildFrame({ opcode: OP.text, payload: good, fin: false, rsv: 4, mask: true }),
            buildFrame({ opcode: OP.cont, payload: Buffer.from([0x00, 0x05, 0x00, 0x05, 0x00, 0x61]), mask: true }),
          ]),
        ),
      1007,
    );
  });

  it('compressed text that inflates to invalid UTF-8: 1007', async () => {
    const c = zlib.deflateRawSync(Buffer.from([0x61, 0xff, 0xfe, 0x62]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    await expectClose((p) => p.sendRaw(buildFrame({ opcode: OP.text, payload: c.subarray(0, c.length - 4), rsv: 4, mask: true })), 1007);
  });

  it('RSV1 on a continuation frame: 1002', async () => {
    await expectClose(async (p) => {
      const c = await p.compress(Buffer.from('first part, second part'));
      p.sendRaw(
        Buffer.concat([
          buildFrame({ opcode: OP.text, payload: c.subarray(0, 4), fin: false, rsv: 4, mask: true }),
          buildFrame({ opcode: OP.cont, payload: c.subarray(4), rsv: 4, mask: true }),
        ]),
      );
    }, 1002);
  });

  it('RSV1 on a control frame: 1002', async () => {
    await expectClose((p) => p.sendRaw(buildFrame({ opcode: OP.ping, payload: Buffer.from([0x00]), rsv: 4, mask: true })), 1002);
  });

  it('RSV1 when permessage-deflate was not negotiated: 1002', async () => {
    const c = zlib.deflateRawSync(Buffer.from('hello'), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    await expectClose((p) => p.sendRaw(buildFrame({ opcode: OP.text, payload: c.subarray(0, c.length - 4), rsv: 4, mask: true })), 1002, null);
  });

  it('uncompressed messages (RSV1 clear) stay valid once negotiated, and the connection goes on after them', async () => {
    const { peer } = await connectPeer(server.port, OFFER);
    try {
      await peer.sendMessage(Buffer.from('plain'), false, { compress: false });
      expect((await peer.nextMessage()).data.toString()).toBe('plain');
      await peer.sendMessage(Buffer.from('squeezed'), false);
      expect((await peer.nextMessage()).data.toString()).toBe('squeezed');
      peer.sendClose(1000);
      expect(await peer.closed()).toBe(1000);
    } finally {
      peer.destroy();
    }
  });
});

describe('hostile compressed traffic against the zwire client', () => {
  async function clientCloses(payload: (peer: DeflatePeer) => Buffer | Promise<Buffer>): Promise<CloseInfo> {
    let peerReady: (p: DeflatePeer) => void = () => undefined;
    const ready = new Promise<DeflatePeer>((r) => (peerReady = r));
    const server = await startPeerServer(
      (offers) => (offers[0] ? { name: 'permessage-deflate', params: new Map() } : null),
      (peer) => peerReady(peer),
    );
    try {
      const conn = await connect(`ws://127.0.0.1:${server.port}/`, { deflate: true, maxMessageSize: 4 * MiB });
      const peer = await ready;
      peer.sendRaw(await payload(peer));
      const reading = (async () => {
        for await (const m of conn) void m;
      })().catch(() => undefined);
      const info = await conn.closed;
      await reading;
      expect(peer.closeCode === undefined || peer.closeCode === info.code).toBe(true);
      return info;
    } finally {
      await server.close();
    }
  }

  it('a server bomb closes the client with 1009', async () => {
    const info = await clientCloses(() => buildFrame({ opcode: OP.binary, payload: bomb(8), rsv: 4 }));
    expect(info.code).toBe(1009);
  });

  it('an answer the offer did not allow fails the connection with a NegotiationError', async () => {
    const server = await startPeerServer(
      () => ({ name: 'permessage-deflate', params: new Map<string, string | true>([['server_max_window_bits', '12']]) }),
      () => undefined,
    );
    try {
      await expect(connect(`ws://127.0.0.1:${server.port}/`, { deflate: { serverMaxWindowBits: 10 } })).rejects.toBeInstanceOf(NegotiationError);
    } finally {
      await server.close();
    }
  });

  it('corrupt server data closes the client with 1007', async () => {
    const info = await clientCloses(() => buildFrame({ opcode: OP.binary, payload: Buffer.from([0xff, 0xff, 0xff]), rsv: 4 }));
    expect(info.code).toBe(1007);
  });
});

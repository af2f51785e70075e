import { describe, expect, it } from 'vitest';
import type { Conn } from '../../src/message/conn.js';
import type { ConnOptions } from '../../src/message/options.js';
import { Opcode, ProtocolError } from '../../src/wire/index.js';
import { RawPeer, sleep, take, pairsClosedAfterEach } from './helpers.js';

const { raw } = pairsClosedAfterEach();

/** Echo until the connection ends, as an application would. */
async function echo(conn: Conn): Promise<void> {
  for await (const m of conn) await conn.send(m.data, { binary: m.binary }).catch(() => undefined);
}

async function expectFailure(conn: Conn, peer: RawPeer, code: number, errorCode: string): Promise<void> {
  expect(await peer.waitClose()).toBe(code);
  const info = await conn.closed;
  expect(info.code).toBe(code);
  expect(info.wasClean).toBe(false);
  expect(info.error).toBeInstanceOf(ProtocolError);
  expect((info.error as ProtocolError).code).toBe(errorCode);
  await peer.waitEnd();
}

describe('protocol violations close with the right code', () => {
  const cases: [string, (p: RawPeer) => void, number, string, Partial<ConnOptions>?][] = [
    ['reserved data opcode', (p) => p.send(3, 'x'), 1002, 'ERR_RESERVED_OPCODE'],
    ['reserved control opcode', (p) => p.send(11, ''), 1002, 'ERR_RESERVED_OPCODE'],
    ['RSV bits without an extension', (p) => p.send(Opcode.Text, 'x', { rsv1: true }), 1002, 'ERR_RSV'],
    ['unmasked client frame', (p) => p.send(Opcode.Text, 'x', { mask: false }), 1002, 'ERR_UNMASKED'],
    ['continuation with nothing to continue', (p) => p.send(Opcode.Continuation, 'x'), 1002, 'ERR_UNEXPECTED_CONTINUATION'],
    [
      'new message inside a fragmented one',
      (p) => {
        p.send(Opcode.Text, 'a', { fin: false });
        p.send(Opcode.Text, 'b');
      },
      1002,
      'ERR_EXPECTED_CONTINUATION',
    ],
    ['ping over 125 bytes', (p) => p.send(Opcode.Ping, Buffer.alloc(126)), 1002, 'ERR_CONTROL_TOO_LONG'],
    ['fragmented ping', (p) => p.send(Opcode.Ping, 'x', { fin: false }), 1002, 'ERR_CONTROL_FRAGMENTED'],
    ['close payload of 1 byte', (p) => p.send(Opcode.Close, Uint8Array.of(3)), 1002, 'ERR_CLOSE_PAYLOAD'],
    ['invalid close code', (p) => p.send(Opcode.Close, Uint8Array.of(0x03, 0xed)), 1002, 'ERR_CLOSE_CODE'],
    ['close reason not UTF-8', (p) => p.send(Opcode.Close, Uint8Array.of(0x03, 0xe8, 0xff)), 1007, 'ERR_INVALID_UTF8'],
    ['invalid UTF-8 text', (p) => p.send(Opcode.Text, Uint8Array.of(0x61, 0xc0, 0xaf)), 1007, 'ERR_INVALID_UTF8'],
    ['text ending inside a code point', (p) => p.send(Opcode.Text, Uint8Array.of(0xe2, 0x82)), 1007, 'ERR_INVALID_UTF8'],
    ['message over maxMessageSize', (p) => p.send(Opcode.Binary, Buffer.alloc(101)), 1009, 'ERR_MESSAGE_TOO_BIG', { maxMessageSize: 100 }],
    [
      'fragments adding up over maxMessageSize',
      (p) => {
        p.send(Opcode.Binary, Buffer.alloc(60), { fin: false });
        p.send(Opcode.Continuation, Buffer.alloc(60), { fin: false });
      },
      1009,
      'ERR_MESSAGE_TOO_BIG',
      { maxMessageSize: 100 },
    ],
    ['frame over maxFrameSize', (p) => p.send(Opcode.Binary, Buffer.alloc(51)), 1009, 'ERR_FRAME_TOO_BIG', { maxFrameSize: 50 }],
    [
      'more fragments than maxFragments',
      (p) => {
        p.send(Opcode.Binary, 'a', { fin: false });
        p.send(Opcode.Continuation, 'b', { fin: false });
        p.send(Opcode.Continuation, 'c', { fin: false });
      },
      1009,
      'ERR_TOO_MANY_FRAGMENTS',
      { maxFragments: 2 },
    ],
  ];

  for (const [name, act, code, errorCode, opts] of cases) {
    it(`${name} -> ${code}`, async () => {
      const { conn, peer } = await raw(opts);
      const done = echo(conn);
      act(peer);
      await expectFailure(conn, peer, code, errorCode);
      await done;
    });
  }

  it('fails invalid UTF-8 as soon as the bytes cannot be valid, before the frame ends', async () => {
    const { conn, peer } = await raw();
    const done = echo(conn);
    const frame = RawPeer.frame(Opcode.Text, Buffer.concat([Buffer.from('valid start '), Uint8Array.of(0xf5), Buffer.alloc(1000, 0x61)]));
    peer.write(frame.subarray(0, 30));
    expect(await peer.waitClose()).toBe(1007);
    await done;
  });

  it('also fails a connection nobody reads from', async () => {
    const { conn, peer } = await raw();
    peer.send(Opcode.Text, Uint8Array.of(0xff));
    expect(await peer.waitClose()).toBe(1007);
    expect((await conn.closed).code).toBe(1007);
  });
});

describe('messages before a violation are still delivered (Autobahn 3.2/4.1.3/5.15 strictness)', () => {
  it('echoes the message that came before the bad frame in the same TCP chunk, then fails without answering the ping', async () => {
    const { conn, peer } = await raw();
    const done = echo(conn);
    peer.write(
      Buffer.concat([
        RawPeer.frame(Opcode.Text, 'Hello, world!'),
        RawPeer.frame(Opcode.Text, 'Hello, world!', { rsv1: true }),
        RawPeer.frame(Opcode.Ping, 'ping'),
      ]),
    );
    await peer.waitEnd();
    expect(peer.frames.map((f) => f.opcode)).toEqual([Opcode.Text, Opcode.Close]);
    expect(peer.frames[0].payload.toString()).toBe('Hello, world!');
    expect(peer.frames[1].payload.readUInt16BE(0)).toBe(1002);
    await done;
  });

  it('delivers several complete messages before a reserved opcode', async () => {
    const { conn, peer } = await raw();
    const done = echo(conn);
    peer.write(
      Buffer.concat([
        RawPeer.frame(Opcode.Text, 'one'),
        RawPeer.frame(Opcode.Binary, 'two'),
        RawPeer.frame(5, ''),
        RawPeer.frame(Opcode.Text, 'never'),
      ]),
    );
    await peer.waitEnd();
    expect(peer.frames.map((f) => [f.opcode, f.payload.toString()])).toEqual([
      [Opcode.Text, 'one'],
      [Opcode.Binary, 'two'],
      [Opcode.Close, peer.frames[2].payload.toString()],
    ]);
    expect(peer.frames[2].payload.readUInt16BE(0)).toBe(1002);
    await done;
  });
});

describe('a slow application still answers what came before a violation', () => {
  it('defers the failure until the consumer asks for the next message', async () => {
    const { conn, peer } = await raw();
    const done = (async () => {
      for await (const m of conn) {
        await sleep(30);
        await conn.send(m.data, { binary: m.binary }).catch(() => undefined);
      }
    })();
    peer.send(Opcode.Text, 'Hello, world!');
    await sleep(10);
    peer.send(Opcode.Text, 'bad', { rsv1: true });
    await peer.waitEnd();
    expect(peer.frames.map((f) => f.opcode)).toEqual([Opcode.Text, Opcode.Close]);
    expect(peer.frames[1].payload.readUInt16BE(0)).toBe(1002);
    await done;
  });

  it('does not wait longer than closeTimeoutMs for a consumer that stopped asking', async () => {
    const { conn, peer } = await raw({ closeTimeoutMs: 100 });
    const it = conn[Symbol.asyncIterator]();
    peer.send(Opcode.Text, 'one');
    await it.next();
    const t0 = Date.now();
    peer.send(Opcode.Close, Uint8Array.of(0x03, 0xe8));
    expect(await peer.waitClose()).toBe(1000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(80);
    expect((await conn.closed).wasClean).toBe(true);
  });
});

describe('errors are observable and never thrown', () => {
  it('emits error to listeners and reports it in closed', async () => {
    const { conn, peer } = await raw();
    const seen: Error[] = [];
    conn.on('error', (e) => seen.push(e));
    peer.send(Opcode.Text, Uint8Array.of(0xff));
    const info = await conn.closed;
    expect(info.error).toBeInstanceOf(ProtocolError);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(info.error);
  });

  it('does not throw without an error listener', async () => {
    const { conn, peer } = await raw();
    peer.send(3, 'x');
    const info = await conn.closed;
    expect(info.code).toBe(1002);
    const rest = await take(conn, 1);
    expect(rest).toEqual([]);
  });
});

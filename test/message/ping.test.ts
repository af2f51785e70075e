import { describe, expect, it } from 'vitest';
import { ConnClosedError, HeartbeatTimeoutError } from '../../src/message/errors.js';
import { Opcode } from '../../src/wire/index.js';
import { sleep, pairsClosedAfterEach } from './helpers.js';

const { raw, pair } = pairsClosedAfterEach();

describe('ping and pong', () => {
  it('answers pings automatically with the same payload and emits ping', async () => {
    const { conn, peer } = await raw();
    const pings: string[] = [];
    conn.on('ping', (p) => pings.push(p.toString()));
    peer.send(Opcode.Ping, '');
    peer.send(Opcode.Ping, 'x'.repeat(125));
    const frames = await peer.waitFrames(2);
    expect(frames.map((f) => [f.opcode, f.payload.length])).toEqual([
      [Opcode.Pong, 0],
      [Opcode.Pong, 125],
    ]);
    expect(pings).toEqual(['', 'x'.repeat(125)]);
  });

  it('does not answer when autoPong is off', async () => {
    const { conn, peer } = await raw({ autoPong: false });
    const seen = new Promise<Buffer>((r) => conn.once('ping', r));
    peer.send(Opcode.Ping, 'hi');
    expect((await seen).toString()).toBe('hi');
    await sleep(30);
    expect(peer.frames).toEqual([]);
  });

  it('ignores unsolicited pongs', async () => {
    const { conn, peer } = await raw();
    const pongs: Buffer[] = [];
    conn.on('pong', (p) => pongs.push(p));
    peer.send(Opcode.Pong, 'unsolicited');
    peer.send(Opcode.Text, 'after');
    const it = conn[Symbol.asyncIterator]();
    expect((await it.next()).value?.text()).toBe('after');
    expect(pongs.map(String)).toEqual(['unsolicited']);
  });

  it('ping() resolves with the round trip when the matching pong arrives', async () => {
    const p = await pair();
    const rtt = await p.client.ping();
    expect(rtt).toBeGreaterThanOrEqual(0);
    expect(rtt).toBeLessThan(1000);
    const [a, b] = await Promise.all([p.server.ping(Buffer.from('one')), p.server.ping(Buffer.from('two'))]);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(b).toBeGreaterThanOrEqual(0);
    await expect(p.client.ping(Buffer.alloc(126))).rejects.toBeInstanceOf(RangeError);
  });

  it('pending pings reject when the connection closes', async () => {
    const { conn } = await raw({ autoPong: false });
    const pending = conn.ping();
    conn.terminate();
    await expect(pending).rejects.toBeInstanceOf(ConnClosedError);
    await expect(conn.ping()).rejects.toBeInstanceOf(ConnClosedError);
  });
});

describe('heartbeat', () => {
  it('keeps a responsive peer alive', async () => {
    const p = await pair({ heartbeatMs: 40 });
    await sleep(200);
    expect(p.server.isOpen).toBe(true);
    expect(p.client.isOpen).toBe(true);
  });

  it('drops a peer that stopped answering', async () => {
    const { conn, peer } = await raw({ heartbeatMs: 40 });
    const info = await conn.closed;
    expect(info.code).toBe(1006);
    expect(info.error).toBeInstanceOf(HeartbeatTimeoutError);
    expect(peer.frames.filter((f) => f.opcode === Opcode.Ping).length).toBeGreaterThanOrEqual(1);
  });
});

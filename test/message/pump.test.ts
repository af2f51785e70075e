import { describe, expect, it } from 'vitest';
import { pumpMessages } from '../../src/message/pump.js';
import { Opcode } from '../../src/wire/index.js';
import { pairsClosedAfterEach, sleep } from './helpers.js';

const { raw } = pairsClosedAfterEach();

describe('pumpMessages (connection -> RPC messages, both sides)', () => {
  it('hands text messages as text and binary ones as bytes; with `binary` every message as bytes', async () => {
    for (const binary of [false, true]) {
      const { conn, peer } = await raw();
      const got: (Buffer | string)[] = [];
      const done = pumpMessages(conn, binary, { receive: (d) => void got.push(d) });
      peer.send(Opcode.Text, 'hi');
      peer.send(Opcode.Binary, Uint8Array.of(1, 2));
      peer.send(Opcode.Close, Uint8Array.of(0x03, 0xe8));
      await done;
      expect(got.map((d) => (typeof d === 'string' ? d : [...d]))).toEqual(binary ? [[...Buffer.from('hi')], [1, 2]] : ['hi', [1, 2]]);
    }
  });

  it('reads no further message while the promise receive returned is pending', async () => {
    const { conn, peer } = await raw();
    const got: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    void pumpMessages(conn, false, {
      receive: (d) => {
        got.push(String(d));
        return got.length === 1 ? held : undefined;
      },
    });
    peer.send(Opcode.Text, 'one');
    peer.send(Opcode.Text, 'two');
    await sleep(50);
    expect(got).toEqual(['one']);
    release();
    await sleep(50);
    expect(got).toEqual(['one', 'two']);
  });

  it('resolves, without rejecting, when the connection fails', async () => {
    const { conn, peer } = await raw();
    const done = pumpMessages(conn, false, { receive: () => undefined });
    peer.send(Opcode.Text, Uint8Array.of(0xff));
    await expect(done).resolves.toBeUndefined();
    expect((await conn.closed).code).toBe(1007);
  });
});

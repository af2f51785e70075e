import { createServer, connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createReadBuffer, FrameParser } from '../../src/wire/index.js';
import { buildFrame } from '../helpers/frame-builder.js';

const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

describe('createReadBuffer as a net.Socket onread buffer', () => {
  it('receives masked frames into the read buffer and unmasks them where they lie', async () => {
    const payloads = [Buffer.alloc(0), Buffer.from('hi'), Buffer.alloc(5000, 3), Buffer.alloc(70_000).map((_, i) => i & 0xff), Buffer.alloc(125, 9)];
    const wire = Buffer.concat(payloads.map((p) => buildFrame({ opcode: 2, payload: p, mask: true })));
    const readBuffer = createReadBuffer(16 * 1024);
    const received = new Promise<Buffer[]>((resolve, reject) => {
      const parser = new FrameParser({ role: 'server' });
      const messages: Buffer[] = [];
      let pieces: Buffer[] = [];
      const onread = (n: number, buf: Uint8Array): boolean => {
        try {
          if (buf.buffer !== readBuffer.buffer) throw new Error('read into another buffer');
          parser.push(buf.subarray(0, n));
          for (let r = parser.next(); r !== FrameParser.NEED_MORE; r = parser.next()) {
            if (r === FrameParser.HEADER && parser.header.length === 0) messages.push(Buffer.alloc(0));
            if (r !== FrameParser.DATA) continue;
            if (parser.data.buffer !== readBuffer.buffer) throw new Error('payload not unmasked in the read buffer');
            // The next read overwrites the buffer: keep a copy.
            pieces.push(Buffer.from(parser.data));
            if (parser.remaining === 0) {
              messages.push(Buffer.concat(pieces));
              pieces = [];
            }
          }
          parser.detach();
          if (messages.length === payloads.length) resolve(messages);
        } catch (err) {
          reject(err);
        }
        return true;
      };
      const server = createServer((socket) => {
        for (let i = 0; i < wire.length; i += 3000) socket.write(wire.subarray(i, i + 3000));
      });
      open.push(server);
      server.listen(0, '127.0.0.1', () => {
        const port = (server.address() as AddressInfo).port;
        const client: Socket = connect({ port, host: '127.0.0.1', onread: { buffer: readBuffer, callback: onread } });
        client.on('error', reject);
        open.push({ close: () => client.destroy() });
      });
    });
    const messages = await received;
    expect(messages.map((m) => m.length)).toEqual(payloads.map((p) => p.length));
    for (let i = 0; i < payloads.length; i++) expect(messages[i].equals(payloads[i])).toBe(true);
  }, 10_000);
});

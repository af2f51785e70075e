import type { Socket } from 'node:net';
import { decodeFrame } from './frames.js';

/** Send one message on a fresh connection and compare the echo byte for byte. */
export async function verifyEcho(socket: Socket, head: Buffer, opcode: number, payload: Buffer, frame: Buffer): Promise<void> {
  let received = head;
  socket.resume();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no echo within 10 s')), 10_000);
    const check = (): void => {
      const decoded = decodeFrame(received);
      if (!decoded) return;
      clearTimeout(timer);
      socket.off('data', onData);
      if (!decoded.fin || decoded.opcode !== opcode || !decoded.payload.equals(payload) || decoded.size !== received.length) {
        reject(new Error(`bad echo: fin ${decoded.fin}, opcode ${decoded.opcode}, ${decoded.payload.length} bytes`));
      } else resolve();
    };
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      check();
    };
    socket.on('data', onData);
    socket.write(frame);
    check();
  });
}

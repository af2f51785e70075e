/**
 * User story 4: the raw wire layer by hand. A plain net.Server upgrades each
 * socket with hooks (zero-copy views of the request), then reads frame headers
 * and payloads straight from the socket's bytes, unmasks them in place and
 * writes frames back: an echo server without Conn.
 *   PORT (default 9002), HOST (default 127.0.0.1)
 *   npx tsx examples/raw-wire-server.ts
 */
import * as net from 'node:net';
import { RejectError, upgrade } from '../src/upgrade/index.js';
import { CloseCode, createHeader, encodeClosePayload, encodeFrame, isValidUtf8, mask, Opcode, readHeader } from '../src/wire/index.js';

const server = net.createServer(async (socket) => {
  let path = '';
  let userAgent = '';
  try {
    const result = await upgrade(socket, {
      // The hooks get views into the request bytes: copy what you keep.
      onRequest(uri) {
        path = uri.toString('latin1');
        if (!path.startsWith('/echo')) throw new RejectError(404, 'try /echo');
      },
      onHeader(name, value) {
        if (name.toString('latin1').toLowerCase() === 'user-agent') userAgent = value.toString('latin1');
      },
    });
    console.log(`upgraded ${path} (${userAgent || 'no user agent'})`);
    serve(socket, result.head);
  } catch (err) {
    console.log(`handshake failed: ${(err as Error).message}`);
  }
});

/** Read frames by hand: header, then payload, unmasked in place; echo data, answer ping and close. */
function serve(socket: net.Socket, head: Buffer): void {
  const header = createHeader();
  let pending: Buffer = head;
  let fragments: Buffer[] = [];
  let messageOpcode = 0;

  const write = (opcode: number, payload: Uint8Array, fin = true): void => {
    for (const part of encodeFrame(opcode, payload, { fin })) socket.write(part);
  };
  const fail = (code: number): void => {
    write(Opcode.Close, encodeClosePayload(code));
    socket.end();
  };

  const onBytes = (chunk: Buffer): void => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let offset = 0;
    for (;;) {
      const size = readHeader(pending, offset, header);
      if (size === 0 || pending.length - offset - size < header.length) break;
      if (!header.masked || header.rsv1 || header.rsv2 || header.rsv3) return fail(CloseCode.ProtocolError);
      const payload = pending.subarray(offset + size, offset + size + header.length);
      mask(payload, header.mask);
      offset += size + header.length;

      switch (header.opcode) {
        case Opcode.Text:
        case Opcode.Binary:
        case Opcode.Continuation:
          if (header.opcode !== Opcode.Continuation) messageOpcode = header.opcode;
          fragments.push(Buffer.from(payload));
          if (header.fin) {
            const message = Buffer.concat(fragments);
            fragments = [];
            if (messageOpcode === Opcode.Text && !isValidUtf8(message)) return fail(CloseCode.InvalidPayload);
            write(messageOpcode, message);
          }
          break;
        case Opcode.Ping:
          write(Opcode.Pong, payload);
          break;
        case Opcode.Pong:
          break;
        case Opcode.Close:
          write(Opcode.Close, payload.subarray(0, 2));
          socket.end();
          return;
        default:
          return fail(CloseCode.ProtocolError);
      }
    }
    pending = pending.subarray(offset);
  };

  socket.on('data', onBytes);
  socket.on('error', () => socket.destroy());
  if (head.length > 0) onBytes(Buffer.alloc(0));
  socket.resume();
}

server.listen(Number(process.env.PORT ?? 9002), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`listening ${(server.address() as net.AddressInfo).port}`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => process.exit(0)));

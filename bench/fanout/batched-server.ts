// Reference: a hand-written Node server that does what fan-out needs and
// nothing else. Handshake by hand, parses the clients' masked frames (whole,
// unfragmented messages only), frames each publication once, queues the same
// buffer for every socket and writes each socket once per event-loop turn.
// No validation, no limits, no close handshake: a ceiling, not a library.
import { createServer, type Socket } from 'node:net';
import { answerUpgrade } from '../lib/raw-upgrade.js';
const room = new Set<Socket>();
const pending = new Map<Socket, Buffer[]>();
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  for (const [socket, frames] of pending) {
    if (!socket.destroyed) socket.write(frames.length === 1 ? frames[0] : Buffer.concat(frames));
  }
  pending.clear();
}

function publish(opcode: number, payload: Buffer): void {
  const len = payload.length;
  const hs = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(hs + len);
  frame[0] = 0x80 | opcode;
  if (hs === 2) frame[1] = len;
  else if (hs === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(len), 2);
  }
  payload.copy(frame, hs);
  for (const socket of room) {
    const list = pending.get(socket);
    if (list) list.push(frame);
    else pending.set(socket, [frame]);
  }
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

/** Parse whole masked frames from `buf`; returns the bytes left over. */
function parse(buf: Buffer, socket: Socket): Buffer {
  let i = 0;
  for (;;) {
    if (buf.length - i < 2) break;
    const opcode = buf[i] & 0x0f;
    let len = buf[i + 1] & 0x7f;
    let at = i + 2;
    if (len === 126) {
      if (buf.length - i < 4) break;
      len = buf.readUInt16BE(at);
      at += 2;
    } else if (len === 127) {
      if (buf.length - i < 10) break;
      len = Number(buf.readBigUInt64BE(at));
      at += 8;
    }
    if (buf.length < at + 4 + len) break;
    const key = buf.subarray(at, at + 4);
    const payload = buf.subarray(at + 4, at + 4 + len);
    for (let k = 0; k < len; k++) payload[k] ^= key[k & 3];
    i = at + 4 + len;
    if (opcode === 8) {
      socket.destroy();
      return Buffer.alloc(0);
    }
    if (opcode === 1 || opcode === 2) publish(opcode, payload);
  }
  return i === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(i));
}

function onConnection(socket: Socket): void {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    room.delete(socket);
    pending.delete(socket);
  });
  answerUpgrade(socket, (head) => {
    room.add(socket);
    let rest = head.length === 0 ? head : parse(Buffer.from(head), socket);
    socket.on('data', (data: Buffer) => {
      rest = parse(rest.length === 0 ? data : Buffer.concat([rest, data]), socket);
    });
  });
}

const server = createServer(onConnection);
server.listen(Number(process.env.PORT ?? 9001), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : address}`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    for (const socket of room) socket.destroy();
    server.close(() => process.exit(0));
  });
}

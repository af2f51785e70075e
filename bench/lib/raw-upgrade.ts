import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * Answer a WebSocket opening handshake on a raw socket by hand, the way the
 * hand-written peer servers do (no validation beyond the key), then call
 * `opened` with the bytes that followed the request. A request without a key
 * gets a 400; one larger than 16 KiB is dropped.
 */
export function answerUpgrade(socket: Socket, opened: (rest: Buffer) => void): void {
  let request = Buffer.alloc(0);
  const onHandshake = (chunk: Buffer): void => {
    request = Buffer.concat([request, chunk]);
    const end = request.indexOf('\r\n\r\n');
    if (end === -1) {
      if (request.length > 16_384) socket.destroy();
      return;
    }
    socket.off('data', onHandshake);
    const key = /\r\nsec-websocket-key:\s*(\S+)/i.exec(request.subarray(0, end).toString('latin1'))?.[1];
    if (!key) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    opened(request.subarray(end + 4));
  };
  socket.on('data', onHandshake);
}

// Reference: a bare net server answering the upgrade by hand (no validation
// beyond finding the key), i.e. roughly the cost of TCP + one sha1 + one write.
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { idleUntilClosed, serve, track } from './common.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function onConnection(socket: Socket): void {
  track(socket);
  socket.setNoDelay(true);
  socket.once('data', (chunk: Buffer) => {
    const at = chunk.indexOf('Sec-WebSocket-Key: ');
    const key = at < 0 ? '' : chunk.toString('latin1', at + 19, at + 43);
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    idleUntilClosed(socket);
  });
}

serve(createServer(onConnection));

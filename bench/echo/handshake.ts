import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Raised when a server does not complete the opening handshake. */
export class HandshakeFailedError extends Error {
  readonly code = 'ERR_BENCH_HANDSHAKE';
  constructor(message: string) {
    super(message);
    this.name = 'HandshakeFailedError';
  }
}

/** The accept value a server must answer for `key` (RFC 6455 section 4.2.2). */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/**
 * Open a TCP connection and perform the client side of the opening handshake
 * by hand, asking for `protocol` when given (and failing unless the server
 * selects it). Resolves with the socket (no data listener attached) and any bytes
 * that followed the 101 response.
 */
export function openWebSocket(host: string, port: number, timeoutMs = 10_000, protocol?: string): Promise<{ socket: Socket; head: Buffer }> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const socket = connect({ host, port, noDelay: true });
    let received = Buffer.alloc(0);
    const fail = (why: string): void => {
      socket.destroy();
      reject(new HandshakeFailedError(`${host}:${port}: ${why}`));
    };
    const timer = setTimeout(() => fail(`no 101 within ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) {
        if (received.length > 16_384) fail('response head too long');
        return;
      }
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      const head = received.subarray(0, end).toString('latin1');
      if (!/^HTTP\/1\.1 101 /.test(head)) return fail(`status line ${head.split('\r\n')[0]}`);
      const accept = /\r\nsec-websocket-accept:\s*(\S+)/i.exec(head)?.[1];
      if (accept !== acceptFor(key)) return fail(`bad Sec-WebSocket-Accept ${accept}`);
      if (protocol !== undefined && /\r\nsec-websocket-protocol:\s*(\S+)/i.exec(head)?.[1] !== protocol) return fail(`subprotocol ${protocol} not selected`);
      socket.pause();
      resolve({ socket, head: received.subarray(end + 4) });
    };
    const onError = (err: Error): void => {
      clearTimeout(timer);
      fail(err.message);
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.once('connect', () => {
      socket.write(
        `GET / HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
          (protocol === undefined ? '' : `Sec-WebSocket-Protocol: ${protocol}\r\n`) +
          '\r\n',
      );
    });
  });
}

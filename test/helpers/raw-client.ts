/**
 * A WebSocket client written by hand over net.Socket, for driving a server under test with
 * arbitrary bytes: it performs the HTTP upgrade itself, checks the 101 answer, then hands the
 * socket to a RawPeer playing the client role.
 */
import { connect, type Socket } from 'node:net';
import { setImmediate as tick } from 'node:timers/promises';
import { acceptFor, newKey, parseHead, type ParsedHead } from './handshake.js';
import { RawPeer } from './raw-peer.js';

export interface RawConnectOptions {
  path?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Bytes written in the same TCP write as the request (frames pipelined behind the handshake). */
  trailing?: Uint8Array;
  /** Write the request (and trailing bytes) in TCP writes of at most this many bytes. */
  chop?: number;
}

export interface RawHandshake {
  peer: RawPeer;
  response: ParsedHead;
}

/** Connects to 127.0.0.1:port and completes the opening handshake; rejects on anything but a valid 101. */
export async function rawConnect(port: number, opts: RawConnectOptions = {}): Promise<RawHandshake> {
  const key = newKey();
  const socket = connect({ host: '127.0.0.1', port });
  const lines = [
    `GET ${opts.path ?? '/'} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
    ...Object.entries(opts.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  ];
  const request = Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), opts.trailing ?? Buffer.alloc(0)]);
  const headPromise = readHead(socket, opts.timeoutMs ?? 5000);
  void writeChopped(socket, request, opts.chop);
  const response = await headPromise;
  const status = response.startLine.split(' ')[1];
  const problems: string[] = [];
  if (status !== '101') problems.push(`status line "${response.startLine}"`);
  if (response.headers.get('upgrade')?.toLowerCase() !== 'websocket') problems.push('Upgrade header');
  if (!/\bupgrade\b/i.test(response.headers.get('connection') ?? '')) problems.push('Connection header');
  if (response.headers.get('sec-websocket-accept') !== acceptFor(key)) problems.push('Sec-WebSocket-Accept');
  if (problems.length) {
    socket.destroy();
    throw new Error(`bad handshake response: ${problems.join(', ')}`);
  }
  return { peer: new RawPeer(socket, 'client', response.rest), response };
}

/** Writes bytes in pieces of at most `size` (all at once without it), yielding between pieces. */
export async function writeChopped(socket: Socket, bytes: Buffer, size?: number): Promise<void> {
  const step = size ?? bytes.length;
  for (let i = 0; i < bytes.length; i += step) {
    if (socket.destroyed) return;
    await new Promise<void>((resolve) => socket.write(bytes.subarray(i, i + step), () => resolve()));
    if (size) await tick();
  }
}

/** Reads an HTTP head from the socket; leaves the socket flowing with no data listener attached. */
export function readHead(socket: Socket, timeoutMs: number): Promise<ParsedHead> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const done = (err: Error | null, head?: ParsedHead) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (err) {
        socket.destroy();
        reject(err);
      } else {
        socket.pause();
        resolve(head!);
      }
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const head = parseHead(buf);
      if (head) done(null, head);
    };
    const onError = (err: Error) => done(err);
    const onClose = () => done(new Error(`connection closed during the handshake (got ${buf.length} bytes)`));
    const timer = setTimeout(() => done(new Error(`no handshake head within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

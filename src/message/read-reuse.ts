/*
 * A read's memory, reused as the buffer of a message that spans reads.
 *
 * Node allocates a new buffer for every socket read, and V8 frees such
 * buffers only at a young-generation GC, which it runs about once per 32 MiB
 * of them. So a message buffer allocated anew lands in memory last touched
 * tens of MiB earlier, and filling it is a trip to DRAM for every line: for a
 * 64 KiB message that was a sixth of the server's time per echo. A read
 * whose payload bytes were all copied out (into a message's own buffer) is
 * garbage that is still in cache: it becomes the next message's buffer.
 *
 * Data events run one at a time, so one slot serves every connection; it
 * holds at most one read (up to 64 KiB) until a message takes it. Memory from
 * one connection's read may go to another connection's message: every byte
 * of it is overwritten by that message or zeroed, so nothing of the first
 * connection shows through `message.data.buffer`.
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Smaller reads are not kept: a message of their size is cheap to allocate (Node pools those under 4 KiB). */
const MIN_KEPT = 8 * 1024;

/** A consumed read no view of which was handed out, waiting to become a message's buffer. */
let kept: Buffer | null = null;

/**
 * Whether `chunk`, a 'data' event of `socket`, is memory nobody else holds: a
 * read of a Node socket (TCP or TLS), which comes in an ArrayBuffer of its
 * own and exactly its size, with no reader but the caller's one listener.
 */
export function isOwnRead(socket: Duplex, chunk: Uint8Array): boolean {
  return (
    chunk.length >= MIN_KEPT &&
    chunk.byteOffset === 0 &&
    chunk.buffer.byteLength === chunk.length &&
    socket instanceof Socket &&
    socket.listenerCount('data') === 1 &&
    socket.listenerCount('readable') === 0
  );
}

/** Keep a read that isOwnRead() accepted once every byte of it was copied out and no view of it remains. */
export function keepRead(chunk: Uint8Array): void {
  kept = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, 0, chunk.length);
}

/**
 * A buffer of `size` bytes for a message that is gathered from pieces: the
 * kept read when it is at most a third larger (its tail zeroed), else a new one.
 */
export function messageBuffer(size: number): Buffer {
  const k = kept;
  if (k === null || k.length < size || size * 4 < k.length * 3) return Buffer.allocUnsafe(size);
  kept = null;
  if (k.length === size) return k;
  k.fill(0, size);
  return k.subarray(0, size);
}

import type { Conn } from './conn.js';
import type { Message } from './message.js';

/** What the writable side of a connection takes: text, or bytes in any BufferSource form. */
export type WebSocketChunk = string | ArrayBuffer | ArrayBufferView;

/** A connection's WHATWG streams: whole messages in, data out. */
export interface ConnStreams {
  /** Messages as they arrive; pulled from the Conn's iterator, so not reading holds the peer back as iterating slowly does. */
  readonly readable: ReadableStream<Message>;
  /** Each chunk is sent as one message (strings as text); `ready` waits while the connection is over `maxQueuedBytes`. */
  readonly writable: WritableStream<WebSocketChunk>;
}

// kept outside the Conn so that a connection nobody asks for streams holds no field for them
const made = new WeakMap<Conn, ConnStreams>();

/**
 * The Web Streams face of a Conn, built on first use (and then the same
 * pair). The readable has no queue of its own (high-water mark 0): it pulls
 * a message only when read, so the Conn's read budget applies unchanged. The
 * writable hands each chunk to `send` and waits for its promise, so its
 * `ready` waits exactly while `send` does. Closing the writable or
 * cancelling the readable closes the connection (1000); aborting the
 * writable closes it with 1000 too and fails what was still queued.
 */
export function toWebStreams(conn: Conn): ConnStreams {
  let streams = made.get(conn);
  if (streams === undefined) {
    streams = { readable: readableOf(conn), writable: writableOf(conn) };
    made.set(conn, streams);
  }
  return streams;
}

function readableOf(conn: Conn): ReadableStream<Message> {
  let it: AsyncIterator<Message> | null = null;
  return new ReadableStream<Message>(
    {
      async pull(controller) {
        it ??= conn[Symbol.asyncIterator]();
        const r = await it.next();
        if (r.done !== true) return controller.enqueue(r.value);
        // a connection that failed (1002, 1009, 1006, ...) errors the stream instead of ending it
        const info = await conn.closed;
        if (info.error !== undefined) controller.error(info.error);
        else controller.close();
      },
      cancel() {
        closeQuietly(conn);
      },
    },
    { highWaterMark: 0 },
  );
}

function writableOf(conn: Conn): WritableStream<WebSocketChunk> {
  return new WritableStream<WebSocketChunk>(
    {
      async write(chunk) {
        if (typeof chunk === 'string') await conn.send(chunk);
        else if (chunk instanceof ArrayBuffer) await conn.send(new Uint8Array(chunk));
        else if (ArrayBuffer.isView(chunk)) await conn.send(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), { binary: true });
        else throw new TypeError('a WebSocket writable takes strings, ArrayBuffers and ArrayBuffer views');
        // send() batches frames until the next tick; a writer that never leaves the microtask queue would
        // keep them all batched and unseen by the budget, so over it, let the batch reach the socket first
        if (conn.bufferedAmount > conn.limits.maxQueuedBytes) await new Promise((r) => setImmediate(r));
      },
      async close() {
        await conn.close();
      },
      abort() {
        closeQuietly(conn);
      },
    },
    { highWaterMark: 1 },
  );
}

function closeQuietly(conn: Conn): void {
  if (conn.isOpen) conn.close().catch(() => conn.terminate());
}

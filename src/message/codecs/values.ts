import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ConnClosedError } from '../errors.js';
import type { Conn } from '../conn.js';
import type { Message } from '../message.js';
import type { Codec } from './codec.js';

type Values<T> = Iterable<T> | AsyncIterable<T>;

/**
 * Send every value as its own message, waiting on backpressure between them.
 * Resolves with the number of values sent.
 */
export async function sendValues<T>(conn: Conn, values: Values<T>, codec: Codec<T>): Promise<number> {
  let n = 0;
  const opts = { binary: codec.binary };
  for await (const value of values) {
    await conn.send(codec.encode(value), opts);
    n++;
  }
  return n;
}

/** Decode every received message into a value, until the connection closes. */
export async function* receiveValues<T>(messages: AsyncIterable<Message>, codec: Codec<T>): AsyncGenerator<T, void, undefined> {
  for await (const message of messages) yield codec.decode(message.data);
}

/** Options of writeValueStream. */
export interface ValueStreamWriteOptions {
  /** Bytes per fragment (default: the connection's fragmentSize). */
  fragmentSize?: number;
}

/**
 * Write a long sequence of values as ONE message, fragment by fragment
 * (newline-delimited JSON, concatenated MessagePack), with backpressure.
 * Resolves with the number of values written once the final fragment is sent.
 */
export async function writeValueStream<T>(
  conn: Conn,
  values: Values<T>,
  codec: Codec<T>,
  options: ValueStreamWriteOptions = {},
): Promise<number> {
  const encoder = codec.streamEncoder();
  const w = conn.writer({ binary: codec.binary, fragmentSize: options.fragmentSize });
  // Failures surface through w.errored, drained() and finished(); an unheard 'error' event would throw.
  w.on('error', noop);
  let n = 0;
  try {
    for await (const value of values) {
      if (w.destroyed) throw w.errored ?? new ConnClosedError('the message writer was destroyed');
      if (!w.write(encoder.encode(value))) await drained(w);
      n++;
    }
  } catch (err) {
    // A message cannot be taken back: the writer closes the connection (1011) when destroyed mid-message.
    w.destroy(err as Error);
    throw err;
  }
  w.end();
  await finished(w);
  return n;
}

/**
 * The values inside one streamed message (from `conn.messages({ stream: true })`,
 * or any async iterable of byte chunks), decoded as the chunks arrive.
 */
export async function* readValueStream<T>(chunks: AsyncIterable<Uint8Array>, codec: Codec<T>): AsyncGenerator<T, void, undefined> {
  const decoder = codec.streamDecoder();
  for await (const chunk of chunks) yield* decoder.write(chunk);
  decoder.end();
}

/** Resolve on 'drain'; reject if the writable closes first. */
function drained(w: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      w.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      w.off('drain', onDrain);
      reject(w.errored ?? new ConnClosedError('the message writer closed'));
    };
    w.once('drain', onDrain);
    w.once('close', onClose);
  });
}

function noop(): void {}

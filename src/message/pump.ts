import type { Conn } from './conn.js';

/** What a pump hands each message to; a returned promise holds the next message back until it settles. */
export interface MessageSink {
  receive(data: Buffer | string): void | Promise<void>;
}

/**
 * Reads a connection's messages into `sink` until the connection ends: as
 * bytes when `binary` (a binary codec reads every message as bytes) or when
 * the message is binary, else as text. While the promise `receive` returns is
 * pending no further message is read, so the sink's backpressure reaches the
 * socket. Never rejects: how the connection ended is reported by `closed`.
 * Used by both RPC sides (the server per connection, the client's transport).
 */
export async function pumpMessages(conn: Conn, binary: boolean, sink: MessageSink): Promise<void> {
  try {
    for await (const m of conn) {
      const held = sink.receive(binary || m.binary ? m.data : m.text());
      if (held !== undefined) await held;
    }
  } catch {
    // the Conn reports how it ended through `closed`
  }
}

/** One whole received message. */
export interface Message {
  /** True for a binary message, false for text (whose `data` is valid UTF-8). */
  readonly binary: boolean;
  /** The payload bytes; for text the UTF-8 encoding. Yours to keep: never overwritten. */
  readonly data: Buffer;
  /** The payload decoded as UTF-8 (for a binary message too, if you know it is text). */
  text(): string;
}

/** A received message, created by the reader. */
export class ReceivedMessage implements Message {
  readonly binary: boolean;
  readonly data: Buffer;

  constructor(binary: boolean, data: Buffer) {
    this.binary = binary;
    this.data = data;
  }

  text(): string {
    return this.data.toString('utf8');
  }
}

/** A message read in streaming mode: its payload arrives as chunks, one or more per fragment. */
export interface MessageStream extends AsyncIterable<Buffer> {
  /** True for a binary message, false for text. */
  readonly binary: boolean;
}

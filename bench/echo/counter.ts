/** Raised when a server answers with something an echo should not contain. */
export class EchoMismatchError extends Error {
  readonly code: string;
  constructor(code: 'ERR_ECHO_LENGTH' | 'ERR_ECHO_CLOSED', message: string) {
    super(message);
    this.name = 'EchoMismatchError';
    this.code = code;
  }
}

/** A frame header as `readFrameHead` found it. */
export interface FrameHead {
  fin: boolean;
  opcode: number;
  /** Payload bytes. */
  length: number;
  /** Header bytes, mask key included. */
  size: number;
}

/**
 * Read the frame header at `chunk[i]` into `head` (reused, so reading
 * allocates nothing); false when the chunk ends inside it.
 */
export function readFrameHead(chunk: Buffer, i: number, head: FrameHead): boolean {
  const n = chunk.length;
  if (n - i < 2) return false;
  const b1 = chunk[i + 1];
  let len = b1 & 0x7f;
  let size = 2;
  if (len === 126) {
    if (n - i < 4) return false;
    len = chunk.readUInt16BE(i + 2);
    size = 4;
  } else if (len === 127) {
    if (n - i < 10) return false;
    len = chunk.readUInt32BE(i + 2) * 2 ** 32 + chunk.readUInt32BE(i + 6);
    size = 10;
  }
  if (b1 & 0x80) size += 4;
  if (n - i < size) return false;
  head.fin = (chunk[i] & 0x80) !== 0;
  head.opcode = chunk[i] & 0x0f;
  head.length = len;
  head.size = size;
  return true;
}

/**
 * Counts whole echoed messages in a server's byte stream by reading frame
 * lengths only: payload bytes are skipped, never copied or unmasked. Accepts
 * masked frames too (the raw echo peer returns the client's frames as they
 * came) and fragmented messages; control frames other than close are ignored.
 */
export class EchoCounter {
  #remaining = 0; // payload bytes of the current frame still to skip
  #finalData = false; // current frame ends a data message
  #messageBytes = 0;
  #carry: Buffer | null = null; // a header split across chunks
  readonly #head: FrameHead = { fin: false, opcode: 0, length: 0, size: 0 };

  constructor(private readonly expectedLength: number) {}

  /** Feed the next chunk; returns how many messages it completed. */
  push(input: Buffer): number {
    let chunk = input;
    if (this.#carry) {
      chunk = Buffer.concat([this.#carry, input]);
      this.#carry = null;
    }
    const n = chunk.length;
    let i = 0;
    let done = 0;
    while (i < n) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, n - i);
        i += take;
        this.#remaining -= take;
        if (this.#remaining === 0 && this.#finalData) done += this.#finish();
        continue;
      }
      const head = this.#head;
      if (!readFrameHead(chunk, i, head)) break;
      i += head.size;
      if (head.opcode === 8) throw new EchoMismatchError('ERR_ECHO_CLOSED', 'server sent a close frame');
      this.#remaining = head.length;
      this.#finalData = false;
      if (head.opcode < 8) {
        this.#messageBytes += head.length;
        this.#finalData = head.fin;
        if (head.length === 0 && this.#finalData) done += this.#finish();
      }
    }
    if (i < n) this.#carry = Buffer.from(chunk.subarray(i));
    return done;
  }

  #finish(): number {
    const got = this.#messageBytes;
    this.#messageBytes = 0;
    this.#finalData = false;
    if (got !== this.expectedLength) {
      throw new EchoMismatchError('ERR_ECHO_LENGTH', `echoed message of ${got} bytes, sent ${this.expectedLength}`);
    }
    return 1;
  }
}

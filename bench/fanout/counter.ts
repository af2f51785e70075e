import { readFrameHead, type FrameHead } from '../echo/counter.js';

/** Raised when a server sends something a fan-out delivery should not contain. */
export class DeliveryError extends Error {
  readonly code: string;
  constructor(code: 'ERR_DELIVERY_LENGTH' | 'ERR_DELIVERY_CLOSED', message: string) {
    super(message);
    this.name = 'DeliveryError';
    this.code = code;
  }
}

/**
 * Counts whole messages in a server's byte stream by reading frame headers,
 * and reads the first 4 payload bytes of each (publisher index, slot): the
 * rest of the payload is skipped, never copied. Server frames are unmasked;
 * fragmented messages are accepted; control frames other than close are ignored.
 */
export class DeliveryCounter {
  #remaining = 0;
  #data = false;
  #fin = false;
  #messageBytes = 0;
  #tag = 0;
  #tagBytes = 0;
  #carry: Buffer | null = null;
  readonly #head: FrameHead = { fin: false, opcode: 0, length: 0, size: 0 };

  constructor(private readonly expectedLength: number) {}

  /** Feed the next chunk; calls `delivered(tag)` for each whole message (tag: its first 4 bytes, big-endian). */
  push(input: Buffer, delivered: (tag: number) => void): void {
    let chunk = input;
    if (this.#carry) {
      chunk = Buffer.concat([this.#carry, input]);
      this.#carry = null;
    }
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.#remaining > 0) {
        while (this.#data && this.#tagBytes < 4 && this.#remaining > 0 && i < n) {
          this.#tag = this.#tag * 256 + chunk[i++];
          this.#tagBytes++;
          this.#remaining--;
        }
        const take = Math.min(this.#remaining, n - i);
        i += take;
        this.#remaining -= take;
        if (this.#remaining === 0 && this.#data && this.#fin) this.#finish(delivered);
        continue;
      }
      const head = this.#head;
      if (!readFrameHead(chunk, i, head)) break;
      i += head.size;
      if (head.opcode === 8) throw new DeliveryError('ERR_DELIVERY_CLOSED', 'server sent a close frame');
      this.#remaining = head.length;
      this.#data = head.opcode < 8;
      if (this.#data) {
        this.#fin = head.fin;
        this.#messageBytes += head.length;
        if (head.length === 0 && this.#fin) this.#finish(delivered);
      }
    }
    if (i < n) this.#carry = Buffer.from(chunk.subarray(i));
  }

  #finish(delivered: (tag: number) => void): void {
    const got = this.#messageBytes;
    const tag = this.#tag;
    this.#messageBytes = 0;
    this.#tag = 0;
    this.#tagBytes = 0;
    this.#data = false;
    if (got !== this.expectedLength) throw new DeliveryError('ERR_DELIVERY_LENGTH', `delivered message of ${got} bytes, published ${this.expectedLength}`);
    delivered(tag);
  }
}

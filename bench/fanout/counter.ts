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
      if (n - i < 2) break;
      const b0 = chunk[i];
      const b1 = chunk[i + 1];
      let len = b1 & 0x7f;
      let header = 2;
      if (len === 126) {
        if (n - i < 4) break;
        len = chunk.readUInt16BE(i + 2);
        header = 4;
      } else if (len === 127) {
        if (n - i < 10) break;
        len = chunk.readUInt32BE(i + 2) * 2 ** 32 + chunk.readUInt32BE(i + 6);
        header = 10;
      }
      if (b1 & 0x80) header += 4;
      if (n - i < header) break;
      i += header;
      const opcode = b0 & 0x0f;
      if (opcode === 8) throw new DeliveryError('ERR_DELIVERY_CLOSED', 'server sent a close frame');
      this.#remaining = len;
      this.#data = opcode < 8;
      if (this.#data) {
        this.#fin = (b0 & 0x80) !== 0;
        this.#messageBytes += len;
        if (len === 0 && this.#fin) this.#finish(delivered);
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

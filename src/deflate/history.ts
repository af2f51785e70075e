/**
 * The last `size` bytes of a byte stream, kept contiguous so they can be handed to zlib as a preset
 * dictionary. Storage is size + max(size / 4, 1 KiB) bytes ({@link historyCapacity}), allocated on first
 * use and dropped by clear(); appends copy the new bytes, plus a shift of at most `size` bytes each time the
 * slack fills up (at most 4 bytes moved per byte appended, for large windows).
 */
export class History {
  private buf: Buffer | null = null;
  private end = 0;

  constructor(readonly size: number) {}

  /** Bytes currently held (at most `size`). */
  get length(): number {
    return Math.min(this.end, this.size);
  }

  /** Bytes of storage allocated (0 before first use and after clear()). */
  get allocated(): number {
    return this.buf === null ? 0 : this.buf.length;
  }

  /** Appends bytes to the stream, forgetting what falls out of the window. */
  append(data: Uint8Array): void {
    const size = this.size;
    const n = data.length;
    if (size === 0 || n === 0) return;
    if (this.buf === null) this.buf = Buffer.allocUnsafeSlow(historyCapacity(size));
    if (n >= size) {
      this.buf.set(data.subarray(n - size), 0);
      this.end = size;
      return;
    }
    if (this.end + n > this.buf.length) {
      const keep = size - n;
      this.buf.copyWithin(0, this.end - keep, this.end);
      this.end = keep;
    }
    this.buf.set(data, this.end);
    this.end += n;
  }

  /** The window as a view (valid until the next append or clear), or null when empty. */
  view(): Buffer | null {
    if (this.buf === null || this.end === 0) return null;
    return this.buf.subarray(Math.max(0, this.end - this.size), this.end);
  }

  /** Forgets everything and frees the storage. */
  clear(): void {
    this.buf = null;
    this.end = 0;
  }
}

/** Bytes of storage a History of `size` bytes allocates once used. */
export function historyCapacity(size: number): number {
  return size + Math.max(size >> 2, 1024);
}

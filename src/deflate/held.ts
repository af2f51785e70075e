/** Compressed input held back (copied) until there is enough of it to be worth a zlib call. */
export class HeldInput {
  private parts: Buffer[] = [];
  length = 0;

  add(data: Uint8Array): void {
    if (data.length === 0) return;
    this.parts.push(Buffer.from(data));
    this.length += data.length;
  }

  /** Everything held followed by `data`, as one buffer; empties the holder. */
  take(data: Uint8Array): Buffer {
    const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (this.length === 0) return view;
    this.parts.push(view);
    const out = Buffer.concat(this.parts, this.length + data.length);
    this.clear();
    return out;
  }

  clear(): void {
    this.parts = [];
    this.length = 0;
  }
}

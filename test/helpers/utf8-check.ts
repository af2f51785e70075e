/**
 * Incremental UTF-8 checker for what a peer under test sends, written from RFC 3629's table
 * (independent of src/wire): it accepts exactly the prefixes of valid UTF-8.
 */
export class Utf8Prefix {
  /** Continuation bytes still expected in the current code point. */
  private need = 0;
  /** Allowed range of the next continuation byte (narrowed after E0, ED, F0, F4). */
  private lo = 0x80;
  private hi = 0xbf;

  /** False as soon as the bytes so far can no longer be the start of valid UTF-8. */
  write(bytes: Uint8Array): boolean {
    for (const b of bytes) {
      if (this.need > 0) {
        if (b < this.lo || b > this.hi) return false;
        this.need--;
        this.lo = 0x80;
        this.hi = 0xbf;
        continue;
      }
      if (b <= 0x7f) continue;
      if (b >= 0xc2 && b <= 0xdf) this.need = 1;
      else if (b >= 0xe0 && b <= 0xef) {
        this.need = 2;
        if (b === 0xe0) this.lo = 0xa0;
        if (b === 0xed) this.hi = 0x9f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        this.need = 3;
        if (b === 0xf0) this.lo = 0x90;
        if (b === 0xf4) this.hi = 0x8f;
      } else return false;
    }
    return true;
  }

  /** True when the bytes so far end on a code point boundary. */
  complete(): boolean {
    return this.need === 0;
  }
}

import { readFrameHead, type FrameHead } from '../echo/counter.js';
import { DeliveryError } from './counter.js';

/** msgpack's header of a 5-element array, then TopicKind.Publication (18): how every publication envelope starts. */
const PUBLICATION_HEAD = [0x95, 0x12];
/** The tag's width: 8 hex digits, the last bytes of every publication (see zwire-rpc-server.ts). */
export const TAG_CHARS = 8;

/** The tag a publication of `tag` carries as its last field. */
export function tagText(tag: number): string {
  return tag.toString(16).padStart(TAG_CHARS, '0');
}

/**
 * Counts typed RPC publications in a server's byte stream by reading frame
 * headers and only the first 2 and last 8 bytes of each message: the first
 * two tell a publication envelope from the replies to the client's publish
 * calls (ignored), the last eight are the tag. Nothing is decoded or copied
 * but those bytes; unfragmented messages only (zwire's server does not fragment them).
 */
export class RpcDeliveryCounter {
  #remaining = 0;
  #length = 0;
  #data = false;
  #isPublication = true;
  #tag = 0;
  #carry: Buffer | null = null;
  readonly #head: FrameHead = { fin: false, opcode: 0, length: 0, size: 0 };

  /** Feed the next chunk; calls `delivered(tag)` for each publication. */
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
        const take = Math.min(this.#remaining, n - i);
        if (this.#data) this.#scan(chunk, i, take);
        i += take;
        this.#remaining -= take;
        if (this.#remaining === 0 && this.#data) this.#finish(delivered);
        continue;
      }
      const head = this.#head;
      if (!readFrameHead(chunk, i, head)) break;
      i += head.size;
      if (head.opcode === 8) throw new DeliveryError('ERR_DELIVERY_CLOSED', 'server sent a close frame');
      this.#data = head.opcode < 8;
      this.#remaining = head.length;
      this.#length = head.length;
      this.#isPublication = head.length >= PUBLICATION_HEAD.length + TAG_CHARS;
      this.#tag = 0;
      if (this.#data && !head.fin) throw new DeliveryError('ERR_DELIVERY_LENGTH', 'fragmented publication');
      if (this.#data && head.length === 0) this.#finish(delivered);
    }
    if (i < n) this.#carry = Buffer.from(chunk.subarray(i));
  }

  /** Looks at the bytes of `chunk[i, i + take)`, at message position `length - remaining`. */
  #scan(chunk: Buffer, i: number, take: number): void {
    const at = this.#length - this.#remaining;
    for (let p = at; p < PUBLICATION_HEAD.length && p < at + take; p++) {
      if (chunk[i + p - at] !== PUBLICATION_HEAD[p]) this.#isPublication = false;
    }
    const tailFrom = Math.max(at, this.#length - TAG_CHARS);
    for (let p = tailFrom; p < at + take; p++) this.#tag = this.#tag * 16 + hexValue(chunk[i + p - at]);
  }

  #finish(delivered: (tag: number) => void): void {
    this.#data = false;
    if (this.#isPublication) delivered(this.#tag);
  }
}

function hexValue(c: number): number {
  return c <= 0x39 ? c - 0x30 : c - 0x57;
}

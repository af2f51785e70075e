/**
 * Open calls by wire id, for both RPC sides (the server session's calls, the
 * Node client's calls awaiting answers; a page's client keeps a Map, which
 * costs no bundle bytes and sees call rates far below where this matters):
 * open addressing with linear probing on a plain array. A Map whose entries come and go
 * thousands of times a second replaces its backing table every few dozen
 * calls, and V8 links each replaced table to its successor (for iterators
 * still walking it). Once one of those tables has been promoted to the old
 * generation (a client idle for some seconds is enough), each dead
 * predecessor keeps its successor and the calls it holds alive through every
 * scavenge until a full collection, which finds the current table old again:
 * in bench/rpc.ts, after an idle gap, scavenges copied about 4x the bytes and
 * a unary call cost about 1.6x the client CPU, for as long as the client ran.
 * The hash multiplies by 2^32 / golden ratio and keeps the top bits
 * (Fibonacci hashing): consecutive ids land evenly apart, where `id & mask`
 * would line a window of calls up into one probe run and a random odd
 * factor can fold them onto a few slots. A peer that chooses its ids to
 * collide makes probe runs at most as long as the calls it may have open
 * (the server's maxInFlight), a few hundred ns per call at the default.
 */
export class IdTable<T extends { readonly id: number }> {
  /**
   * No array until the first call (an idle connection's table holds none), and
   * none again once a burst that grew it past MIN_SLOTS is over; a power of
   * two, at most half full.
   */
  #slots: (T | undefined)[] = NONE;
  #size = 0;

  /** The call with this id, if any. */
  get(id: number): T | undefined {
    const i = this.#find(id);
    return i < 0 ? undefined : this.#slots[i];
  }

  /** Files `entry` under `id`, which must be its own, in place of any call under the same id (as Map.set). */
  set(id: number, entry: T): void {
    const at = this.#find(id);
    if (at >= 0) {
      this.#slots[at] = entry;
      return;
    }
    const old = this.#slots;
    if (++this.#size * 2 > old.length) {
      const n = Math.max(MIN_SLOTS, old.length * 2);
      this.#slots = new Array<undefined>(n).fill(undefined);
      for (const e of old) if (e !== undefined) this.#place(e);
    }
    this.#place(entry);
  }

  /** Removes the call with this id, if any. */
  delete(id: number): void {
    const s = this.#slots;
    const mask = s.length - 1;
    let i = this.#find(id);
    if (i < 0) return;
    s[i] = undefined;
    if (--this.#size === 0 && s.length > MIN_SLOTS) {
      // The last call of a burst: an idle connection should not keep the burst's array.
      this.#slots = NONE;
      return;
    }
    // The rest of the probe run goes in again, so no entry sits behind a gap it cannot be found past.
    while (s[(i = (i + 1) & mask)] !== undefined) {
      const e = s[i]!;
      s[i] = undefined;
      this.#place(e);
    }
  }

  clear(): void {
    this.#slots = NONE;
    this.#size = 0;
  }

  /** The calls, in no particular order, as a new array (the table may change while it is walked). */
  values(): T[] {
    return this.#slots.filter((e): e is T => e !== undefined);
  }

  /** The slot holding `id`, or -1. */
  #find(id: number): number {
    // An empty table may have no array to hash into (and the server files no unary call while it can answer at once).
    if (this.#size === 0) return -1;
    const s = this.#slots;
    const mask = s.length - 1;
    for (let i = this.#home(id); s[i] !== undefined; i = (i + 1) & mask) if (s[i]!.id === id) return i;
    return -1;
  }

  /** The top log2(slots) bits of the product (slots is a power of two: 32 - log2 = clz32 + 1). */
  #home(id: number): number {
    return Math.imul(id, 0x9e3779b9) >>> (Math.clz32(this.#slots.length) + 1);
  }

  #place(entry: T): void {
    const s = this.#slots;
    const mask = s.length - 1;
    let i = this.#home(entry.id);
    while (s[i] !== undefined) i = (i + 1) & mask;
    s[i] = entry;
  }
}

const MIN_SLOTS = 32;
/** The slots of every empty table: never written (the first set replaces it). */
const NONE: undefined[] = [];

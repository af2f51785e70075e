/**
 * Sends `n` credit back to the peer that feeds a queue; false when the call no
 * longer takes credit (settled, cancelled), so nothing is sent or counted.
 */
export type CreditGrant = (n: number) => boolean;

type Waiter<T> = { resolve(r: IteratorResult<T>): void; reject(e: unknown): void };

/**
 * The receiving end of a credit-flow-controlled stream, used by both RPC
 * sides (the client's server stream, the server's client stream): items the
 * peer pushes wait here for one consumer's `next()`, the peer may send at most
 * the credit granted, and credit goes back each time the consumer has taken
 * half a window, so a slow consumer holds the sender back instead of filling
 * memory.
 */
export class CreditQueue<T> {
  readonly #items: T[] = [];
  #head = 0;
  #ended = false;
  #failure: unknown = null;
  #consumed = 0;
  /** Items the peer may still send: the credit granted minus the items received. */
  #allowance = 0;
  #waiter: Waiter<T> | null = null;
  readonly #window: number;
  readonly #grant: CreditGrant;

  /**
   * @param window items the consumer lets the peer send ahead of it
   * @param grant sends credit back (see CreditGrant)
   *
   * The peer has no credit until `restart()` says how much to offer it.
   */
  constructor(
    window: number,
    grant: CreditGrant,
  ) {
    this.#window = window;
    this.#grant = grant;
  }

  /** (Re)starts the credit count (the call sent, or sent again) and returns the credit to offer: the window less what is still buffered. */
  restart(): number {
    this.#consumed = 0;
    this.#allowance = Math.max(0, this.#window - (this.#items.length - this.#head));
    return this.#allowance;
  }

  /** Takes one unit of the peer's credit; false if the peer sent beyond what it was granted. */
  spend(): boolean {
    return this.#allowance-- > 0;
  }

  /** An item arrived: handed to a waiting consumer, or buffered. */
  push(item: T): void {
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      this.#took();
      w.resolve({ value: item, done: false });
      return;
    }
    this.#items.push(item);
  }

  /** The peer finished: the consumer gets what is buffered, then the end. */
  end(): void {
    this.#ended = true;
    this.#settleWaiter();
  }

  /** The stream failed: the consumer gets what is buffered, then `err` (the first failure wins). */
  fail(err: unknown): void {
    this.#failure ??= err;
    this.#settleWaiter();
  }

  /** The consumer stopped: drops what is buffered and ends the iteration unless it already failed. */
  close(): void {
    this.#items.length = 0;
    this.#head = 0;
    if (this.#failure === null) this.end();
  }

  /** The consumer's `next()`: a buffered item, the failure, the end, or a wait for the next push. */
  next(): Promise<IteratorResult<T>> {
    if (this.#head < this.#items.length) {
      const value = this.#items[this.#head];
      this.#items[this.#head++] = undefined as T;
      if (this.#head === this.#items.length) {
        this.#items.length = 0;
        this.#head = 0;
      }
      this.#took();
      return Promise.resolve({ value, done: false });
    }
    if (this.#failure !== null) return Promise.reject(this.#failure);
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  #took(): void {
    if (++this.#consumed >= this.#window >> 1 && !this.#ended && this.#grant(this.#consumed)) {
      this.#allowance += this.#consumed;
      this.#consumed = 0;
    }
  }

  #settleWaiter(): void {
    const w = this.#waiter;
    if (w === null) return;
    this.#waiter = null;
    if (this.#failure !== null) w.reject(this.#failure);
    else w.resolve({ value: undefined, done: true });
  }
}

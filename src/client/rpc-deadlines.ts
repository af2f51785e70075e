import { unrefTimer } from './unref-timer.js';

/**
 * One timer for every call deadline, armed for the earliest. Calls mostly
 * arrive in deadline order (same default timeout), so it rarely moves, and no
 * call pays for a timer of its own.
 */
export class DeadlineTimer {
  #timer: ReturnType<typeof setTimeout> | null = null;
  #at = Infinity;
  readonly #fire = (): void => {
    this.#timer = null;
    this.#at = Infinity;
    this.#onExpire();
  };

  /** `onExpire` sweeps the calls and arms the timer again for the next deadline. */
  readonly #onExpire: () => void;

  constructor(onExpire: () => void) {
    this.#onExpire = onExpire;
  }

  /** Makes sure the timer fires no later than `at` (epoch ms). */
  arm(at: number): void {
    if (at >= this.#at) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#at = at;
    this.#timer = setTimeout(this.#fire, Math.max(0, at - Date.now()));
    unrefTimer(this.#timer);
  }

  clear(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#at = Infinity;
  }
}

/**
 * One timer for every call deadline, armed for the earliest. Calls mostly
 * arrive in deadline order (same default timeout), so it rarely moves, and no
 * call pays for a timer of its own.
 */
export class DeadlineTimer {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private at = Infinity;
  private readonly fire = (): void => {
    this.timer = null;
    this.at = Infinity;
    this.onExpire();
  };

  /** `onExpire` sweeps the calls and arms the timer again for the next deadline. */
  constructor(private readonly onExpire: () => void) {}

  /** Makes sure the timer fires no later than `at` (epoch ms). */
  arm(at: number): void {
    if (at >= this.at) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.at = at;
    this.timer = setTimeout(this.fire, Math.max(0, at - Date.now()));
    if (typeof this.timer === 'object' && 'unref' in this.timer) this.timer.unref();
  }

  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.at = Infinity;
  }
}

/**
 * Conditions a test peer waits for: each waiter re-checks its predicate when
 * the peer calls wake() (on every frame received, on TCP close), and gives up
 * after its timeout with the predicate's value then.
 */
export class Conditions {
  private readonly waiters = new Set<() => void>();

  /** Resolves true when pred() holds, or pred()'s value once timeoutMs have passed. */
  until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    if (pred()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = (): void => {
        if (!pred()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        resolve(pred());
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Something changed: let every waiter re-check. */
  wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

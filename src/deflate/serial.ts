/**
 * Runs tasks one after another in call order. A task that completes synchronously leaves the queue idle at
 * once, so the common case costs no extra turn of the event loop.
 */
export class Serial {
  private running = false;
  private readonly pending: (() => void)[] = [];

  run<T>(task: () => T | Promise<T>): Promise<T> {
    if (this.running) {
      return new Promise<T>((resolve, reject) => {
        this.pending.push(() => {
          this.exec(task).then(resolve, reject);
        });
      });
    }
    return this.exec(task);
  }

  private exec<T>(task: () => T | Promise<T>): Promise<T> {
    this.running = true;
    let result: T | Promise<T>;
    try {
      result = task();
    } catch (err) {
      this.next();
      return Promise.reject(err);
    }
    if (!(result instanceof Promise)) {
      this.next();
      return Promise.resolve(result);
    }
    return result.finally(() => this.next());
  }

  private next(): void {
    this.running = false;
    const task = this.pending.shift();
    if (task !== undefined) task();
  }
}

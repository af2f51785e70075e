/**
 * Bounds how many zlib jobs run on the libuv thread pool at once, process-wide: thousands of connections
 * each queuing zlib work at the same moment fragment native memory badly (nodejs/node#8871, ws#1202).
 */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private limit: number) {}

  setLimit(limit: number): void {
    this.limit = limit;
    this.drain();
  }

  stats(): { active: number; queued: number; limit: number } {
    return { active: this.active, queued: this.waiting.length, limit: this.limit };
  }

  run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active < this.limit && this.waiting.length === 0) {
      this.active++;
      return this.exec(job);
    }
    // drain() takes the slot on the waiter's behalf before waking it, so no later run() can overtake it.
    return new Promise<void>((resolve) => this.waiting.push(resolve)).then(() => this.exec(job));
  }

  private exec<T>(job: () => Promise<T>): Promise<T> {
    let p: Promise<T>;
    try {
      p = job();
    } catch (err) {
      p = Promise.reject(err);
    }
    return p.finally(() => {
      this.active--;
      this.drain();
    });
  }

  private drain(): void {
    while (this.active < this.limit && this.waiting.length > 0) {
      this.active++;
      const wake = this.waiting.shift() as () => void;
      wake();
    }
  }
}

const limiter = new Limiter(10);

/** Sets the process-wide limit on concurrent asynchronous zlib jobs (default 10, like ws). */
export function setZlibConcurrency(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`zlib concurrency must be an integer >= 1, got ${limit}`);
  limiter.setLimit(limit);
}

/** Asynchronous zlib jobs running and waiting for a slot, process-wide. */
export function zlibActivity(): { active: number; queued: number; limit: number } {
  return limiter.stats();
}

/** Runs an asynchronous zlib job under the process-wide concurrency limit. */
export function limited<T>(job: () => Promise<T>): Promise<T> {
  return limiter.run(job);
}

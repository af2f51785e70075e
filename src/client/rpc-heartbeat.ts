/**
 * Application-level heartbeat (WHATWG WebSockets cannot send ping frames):
 * every interval, a connection that has been silent gets a ping; one silent
 * for a whole interval after that ping is declared dead.
 */
export class Heartbeat {
  private timer: ReturnType<typeof setInterval> | null = null;
  private heard = false;
  private pingOutstanding = false;

  constructor(
    private readonly ms: number,
    private readonly sendPing: () => void,
    private readonly onDead: () => void,
  ) {}

  start(): void {
    if (this.ms <= 0) return;
    this.heard = true;
    this.pingOutstanding = false;
    this.timer = setInterval(() => this.tick(), this.ms);
    if (typeof this.timer === 'object' && 'unref' in this.timer) this.timer.unref();
  }

  /** Anything arrived from the peer. */
  heardFrom(): void {
    this.heard = true;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    if (this.heard) {
      this.heard = false;
      this.pingOutstanding = false;
      return;
    }
    if (this.pingOutstanding) {
      this.stop();
      this.onDead();
      return;
    }
    this.pingOutstanding = true;
    try {
      this.sendPing();
    } catch {
      // a failing send shows up as a missed heartbeat
    }
  }
}

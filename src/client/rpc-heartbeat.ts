import { unrefTimer } from './unref-timer.js';

/**
 * Application-level heartbeat (WHATWG WebSockets cannot send ping frames):
 * every interval, a connection that has been silent gets a ping; one silent
 * for a whole interval after that ping is declared dead.
 */
export class Heartbeat {
  #timer: ReturnType<typeof setInterval> | null = null;
  #heard = false;
  #pingOutstanding = false;

  readonly #ms: number;
  readonly #sendPing: () => void;
  readonly #onDead: () => void;

  constructor(
    ms: number,
    sendPing: () => void,
    onDead: () => void,
  ) {
    this.#ms = ms;
    this.#sendPing = sendPing;
    this.#onDead = onDead;
  }

  start(): void {
    if (this.#ms <= 0) return;
    this.#heard = true;
    this.#pingOutstanding = false;
    this.#timer = setInterval(() => this.#tick(), this.#ms);
    unrefTimer(this.#timer);
  }

  /** Anything arrived from the peer. */
  heardFrom(): void {
    this.#heard = true;
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  #tick(): void {
    if (this.#heard) {
      this.#heard = false;
      this.#pingOutstanding = false;
      return;
    }
    if (this.#pingOutstanding) {
      this.stop();
      this.#onDead();
      return;
    }
    this.#pingOutstanding = true;
    try {
      this.#sendPing();
    } catch {
      // a failing send shows up as a missed heartbeat
    }
  }
}

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FanoutResult } from './protocol.js';

/**
 * What a load generator knows of the publications in flight: each publisher
 * has `inflight` slots; a slot's publication is done once all `clients` have
 * received it, and the slot then publishes again (during a round). Counting
 * per publication, not per echo to the sender, keeps a server from running
 * ahead of its slowest subscriber.
 */
export class Ledger {
  private readonly remaining: Int32Array;
  private running = false;
  private inFlight = 0;
  private deliveries = 0;
  private onIdle: (() => void) | null = null;
  private failure: Error | null = null;

  constructor(
    private readonly clients: number,
    private readonly publishers: number,
    private readonly inflight: number,
    /** Publish on (publisher, slot): send its message. */
    private readonly publish: (publisher: number, slot: number) => void,
  ) {
    this.remaining = new Int32Array(publishers * inflight);
  }

  /** The tag a publication of (publisher, slot) carries in its first 4 bytes. */
  static tag(publisher: number, slot: number): number {
    return publisher * 65536 + slot;
  }

  /** A client received the publication tagged `tag`. */
  delivered(tag: number): void {
    const publisher = Math.floor(tag / 65536);
    const slot = tag % 65536;
    if (publisher >= this.publishers || slot >= this.inflight) return this.fail(new Error(`delivery with unknown tag ${tag}`));
    const at = publisher * this.inflight + slot;
    this.deliveries++;
    const left = --this.remaining[at];
    if (left < 0) return this.fail(new Error(`publication ${publisher}/${slot} delivered more than ${this.clients} times`));
    if (left > 0) return;
    this.inFlight--;
    if (this.running) this.send(publisher, slot);
    else if (this.inFlight === 0) this.onIdle?.();
  }

  fail(err: Error): void {
    this.failure ??= err;
    this.onIdle?.();
  }

  /** Publish once from publisher 0 and wait until every client has it: everyone is subscribed. */
  async check(timeoutMs = 20_000): Promise<void> {
    this.send(0, 0);
    await this.idle(timeoutMs, () => `the check publication reached ${this.clients - this.remaining[0]} of ${this.clients} clients`);
  }

  /** Keep every slot busy for `ms`, then wait for what is in flight. */
  async round(ms: number): Promise<FanoutResult> {
    this.failure = null;
    this.deliveries = 0;
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    this.running = true;
    for (let p = 0; p < this.publishers; p++) for (let s = 0; s < this.inflight; s++) this.send(p, s);
    await sleep(ms);
    const deliveries = this.deliveries;
    const windowMs = performance.now() - started;
    this.running = false;
    await this.idle(30_000, () => `${this.inFlight} publications still in flight 30 s after the round`);
    const cpu = process.cpuUsage(cpu0);
    return { deliveries, windowMs, total: this.deliveries, clientCpuUs: cpu.user + cpu.system, elapsedMs: performance.now() - started };
  }

  private send(publisher: number, slot: number): void {
    this.remaining[publisher * this.inflight + slot] = this.clients;
    this.inFlight++;
    this.publish(publisher, slot);
  }

  private async idle(timeoutMs: number, why: () => string): Promise<void> {
    if (this.inFlight > 0 && this.failure === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => this.fail(new Error(why())), timeoutMs);
        this.onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.onIdle = null;
    }
    if (this.failure) throw this.failure;
  }
}

import type { Pending } from './rpc-pending.js';
import type { ClientTransport } from './transport.js';

/**
 * Connections whose server sent GoAway, each with the calls still running
 * on it: their answers (and a client stream's items) stay on that connection
 * while new calls use the next one.
 */
export class DrainingConnections {
  readonly #byTransport = new Map<ClientTransport, Set<Pending>>();

  /** Files `calls` as running on `t` until they are answered. */
  add(t: ClientTransport, calls: Set<Pending>): void {
    this.#byTransport.set(t, calls);
  }

  has(t: ClientTransport): boolean {
    return this.#byTransport.has(t);
  }

  /** The draining connection `p` runs on, or null (it runs on the current one). */
  transportOf(p: Pending): ClientTransport | null {
    if (this.#byTransport.size === 0) return null;
    for (const [t, calls] of this.#byTransport) if (calls.has(p)) return t;
    return null;
  }

  /** Whether `p` runs on the draining connection `t`. */
  holds(t: ClientTransport, p: Pending): boolean {
    return this.#byTransport.get(t)?.has(p) === true;
  }

  /** `p` is done or moves away; returns its connection if no call is left there (the caller closes it). */
  remove(p: Pending): ClientTransport | null {
    const t = this.transportOf(p);
    if (t === null) return null;
    const calls = this.#byTransport.get(t)!;
    calls.delete(p);
    if (calls.size > 0) return null;
    this.#byTransport.delete(t);
    return t;
  }

  /** Forgets `t` (it closed); returns the calls that were still running on it. */
  take(t: ClientTransport): Set<Pending> | undefined {
    const calls = this.#byTransport.get(t);
    this.#byTransport.delete(t);
    return calls;
  }

  /** Forgets every draining connection and returns them. */
  takeAll(): ClientTransport[] {
    const all = [...this.#byTransport.keys()];
    this.#byTransport.clear();
    return all;
  }
}

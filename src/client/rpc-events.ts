/** Connection states of the RPC client. */
export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Events of the RPC client and their listener arguments. */
export interface ClientEvents {
  /** Every state change. */
  state: (state: ClientState) => void;
  /** Errors that belong to no call: failed connection attempts, connection-level errors from the server. */
  error: (err: Error) => void;
}

/** A minimal typed emitter that works in browsers (no node:events). */
export class Emitter {
  readonly #listeners = new Map<keyof ClientEvents, Set<(...args: never[]) => void>>();

  on<E extends keyof ClientEvents>(event: E, fn: ClientEvents[E]): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
    };
  }

  emit<E extends keyof ClientEvents>(event: E, ...args: Parameters<ClientEvents[E]>): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const fn of set) {
      try {
        (fn as unknown as (...a: Parameters<ClientEvents[E]>) => void)(...args);
      } catch {
        // a throwing listener must not break the client's state machine
      }
    }
  }
}

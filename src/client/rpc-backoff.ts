/** Reconnect policy: jittered exponential backoff. */
export interface ReconnectOptions {
  /** Delay before the first retry in ms (default 100). */
  initialDelayMs?: number;
  /** Upper bound of the delay in ms (default 10 000). */
  maxDelayMs?: number;
  /** Growth per failed attempt (default 2). */
  factor?: number;
  /** Fraction of the delay that is randomized, 0..1 (default 0.5). */
  jitter?: number;
  /** Give up (client closes) after this many failed attempts in a row (default: never). */
  maxAttempts?: number;
}

export type ReconnectPolicy = Required<ReconnectOptions>;

export function reconnectPolicy(o: ReconnectOptions = {}): ReconnectPolicy {
  return {
    initialDelayMs: o.initialDelayMs ?? 100,
    maxDelayMs: o.maxDelayMs ?? 10_000,
    factor: o.factor ?? 2,
    jitter: Math.min(1, Math.max(0, o.jitter ?? 0.5)),
    maxAttempts: o.maxAttempts ?? Infinity,
  };
}

/** Delay before retry number `attempt` (0-based): exponential, capped, with `jitter` of it random. */
export function backoffDelay(p: ReconnectPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(p.maxDelayMs, p.initialDelayMs * Math.pow(p.factor, attempt));
  return base * (1 - p.jitter) + base * p.jitter * random();
}

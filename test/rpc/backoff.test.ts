import { describe, expect, it } from 'vitest';
import { backoffDelay, reconnectPolicy } from '../../src/client/rpc-backoff.js';

describe('reconnect backoff', () => {
  it('grows exponentially up to the cap, with the configured share of jitter', () => {
    const p = reconnectPolicy({ initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 });
    expect(backoffDelay(p, 0, () => 0)).toBe(50);
    expect(backoffDelay(p, 0, () => 1)).toBe(100);
    expect(backoffDelay(p, 2, () => 1)).toBe(400);
    expect(backoffDelay(p, 10, () => 1)).toBe(1000);
    expect(backoffDelay(p, 10, () => 0)).toBe(500);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(p, 3);
      expect(d).toBeGreaterThanOrEqual(400);
      expect(d).toBeLessThanOrEqual(800);
    }
  });

  it('has no randomness with jitter 0 and clamps jitter to 0..1', () => {
    expect(backoffDelay(reconnectPolicy({ jitter: 0 }), 1)).toBe(200);
    expect(reconnectPolicy({ jitter: 7 }).jitter).toBe(1);
    expect(reconnectPolicy({ jitter: -1 }).jitter).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { History } from '../../src/deflate/history.js';
import { randomBytes } from './helpers.js';

describe('History', () => {
  it('always holds exactly the last `size` bytes of everything appended', () => {
    for (const size of [1, 7, 256, 4096]) {
      const h = new History(size);
      let all = Buffer.alloc(0);
      let seed = size;
      for (let step = 0; step < 300; step++) {
        const n = (seed * 2654435761) % (step % 10 === 0 ? size * 3 + 1 : Math.max(2, size >> 1));
        seed++;
        const chunk = randomBytes(n, seed);
        h.append(chunk);
        all = Buffer.concat([all, chunk]).subarray(-size * 4);
        const want = all.subarray(Math.max(0, all.length - size));
        expect((h.view() ?? Buffer.alloc(0)).equals(want)).toBe(true);
        expect(h.length).toBe(want.length);
      }
    }
  });

  it('is empty before use and after clear, and a zero-size history keeps nothing', () => {
    const h = new History(16);
    expect(h.view()).toBeNull();
    h.append(Buffer.from('abc'));
    expect(h.view()?.toString()).toBe('abc');
    h.clear();
    expect(h.view()).toBeNull();
    const z = new History(0);
    z.append(Buffer.from('abc'));
    expect(z.view()).toBeNull();
  });
});

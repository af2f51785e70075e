import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { UTF8_CATEGORIES } from '../conformance/cases/utf8-sequences.js';
import { seededRandom } from './random-chops.js';
import { Utf8Prefix } from './utf8-check.js';

const whole = (b: Uint8Array) => {
  const v = new Utf8Prefix();
  return v.write(b) && v.complete();
};

describe('Utf8Prefix (the harness checker of text sent by peers)', () => {
  it('agrees with the hand-written Autobahn table', () => {
    for (const cat of UTF8_CATEGORIES) for (const s of cat.sequences) expect(whole(s.bytes), s.bytes.toString('hex')).toBe(s.valid);
  });

  it('agrees with buffer.isUtf8 on every 1- and 2-byte input and on random longer ones', () => {
    for (let a = 0; a < 256; a++) {
      expect(whole(Buffer.from([a]))).toBe(isUtf8(Buffer.from([a])));
      for (let b = 0; b < 256; b++) {
        const two = Buffer.from([a, b]);
        if (whole(two) !== isUtf8(two)) expect(two.toString('hex')).toBe('agreeing');
      }
    }
    const rnd = seededRandom('utf8');
    const pool = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x41];
    for (let i = 0; i < 50_000; i++) {
      const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => pool[Math.floor(rnd() * pool.length)]));
      if (whole(bytes) !== isUtf8(bytes)) expect(bytes.toString('hex')).toBe('agreeing');
    }
  });

  it('rejects at the first byte that cannot continue a valid prefix, across writes', () => {
    const v = new Utf8Prefix();
    expect(v.write(Buffer.from('cebae1bdb9cf83cebcceb5f4', 'hex'))).toBe(true);
    expect(v.complete()).toBe(false);
    expect(v.write(Buffer.from([0x90]))).toBe(false);
  });
});

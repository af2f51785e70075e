import { describe, expect, it } from 'vitest';
import { acceptKey, formatExtensions, generateKey, isValidKey, parseExtensions, parseProtocols } from '../../src/upgrade/index.js';

const offers = (v: string, d?: 'throw' | 'drop') => parseExtensions(v, d).map((o) => [o.name, Object.fromEntries(o.params)]);

describe('parseProtocols', () => {
  it('splits a token list, skipping empty elements and whitespace', () => {
    expect(parseProtocols('chat, superchat')).toEqual(['chat', 'superchat']);
    expect(parseProtocols(' ,a,\t b ,, c ,')).toEqual(['a', 'b', 'c']);
    expect(parseProtocols('')).toEqual([]);
  });

  it.each(['a b', 'a;b', '"a"', 'a,b/c', 'ä', 'a,\u0100'])('rejects %j', (v) => {
    expect(() => parseProtocols(v)).toThrow(expect.objectContaining({ code: 'ERR_HEADER_SYNTAX' }));
  });

  it('rejects repeated tokens', () => {
    expect(() => parseProtocols('a, b, a')).toThrow(expect.objectContaining({ code: 'ERR_DUPLICATE' }));
  });

  it('finds repeats across several headers added into one list', () => {
    const into = parseProtocols('a, b');
    expect(() => parseProtocols('c, a', into)).toThrow(expect.objectContaining({ code: 'ERR_DUPLICATE' }));
  });

  it('stays linear on a long list of distinct tokens', () => {
    const many = Array.from({ length: 20_000 }, (_, i) => `p${i}`);
    const t = performance.now();
    expect(parseProtocols(many.join(','))).toHaveLength(20_000);
    expect(() => parseProtocols(`${many.join(',')},p7`)).toThrow(expect.objectContaining({ code: 'ERR_DUPLICATE' }));
    expect(performance.now() - t).toBeLessThan(500);
  });

  it('treats __proto__ and constructor as ordinary tokens', () => {
    expect(parseProtocols('__proto__, constructor, toString')).toEqual(['__proto__', 'constructor', 'toString']);
  });
});

describe('parseExtensions', () => {
  it('parses names, bare parameters, token and quoted values', () => {
    expect(offers('permessage-deflate; client_max_window_bits; server_max_window_bits="10", x-foo;a=1 ;b = 2')).toEqual([
      ['permessage-deflate', { client_max_window_bits: true, server_max_window_bits: '10' }],
      ['x-foo', { a: '1', b: '2' }],
    ]);
  });

  it('keeps repeated extensions as separate offers, in order', () => {
    expect(offers('a; x=1, a; x=2')).toEqual([['a', { x: '1' }], ['a', { x: '2' }]]);
  });

  it('unescapes quoted-pairs', () => {
    expect(offers('a; b="1\\2"')).toEqual([['a', { b: '12' }]]);
  });

  it.each([
    'a;', 'a; =1', 'a; b=', 'a; b="', 'a; b=""', 'a; b="1 2"', 'a; b="\\ "', 'a b', ';a', 'a; b=1 c', 'a; b="x"y', 'a; b=\u0100',
  ])('rejects %j', (v) => {
    expect(() => parseExtensions(v)).toThrow(expect.objectContaining({ code: 'ERR_HEADER_SYNTAX' }));
  });

  it('throws on a repeated parameter, or drops that offer when asked', () => {
    expect(() => parseExtensions('a; x; x=1')).toThrow(expect.objectContaining({ code: 'ERR_DUPLICATE' }));
    expect(offers('a; x; x=1, b', 'drop')).toEqual([['b', {}]]);
  });

  it('keeps __proto__ and constructor as plain data', () => {
    const [o] = parseExtensions('__proto__; constructor=1; __proto__');
    expect(o.name).toBe('__proto__');
    expect(o.params.get('constructor')).toBe('1');
    expect(o.params.get('__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).constructor).toBe(Object);
  });

  it('runs in linear time on adversarial input (no ReDoS)', () => {
    const inputs = [
      'a;' + ' '.repeat(200_000) + 'b',
      'a' + ', '.repeat(100_000) + '!',
      'a; b="' + '\\x'.repeat(100_000),
      'a;b=1'.repeat(50_000),
    ];
    for (const v of inputs) {
      const t = performance.now();
      try {
        parseExtensions(v, 'drop');
      } catch {
        // only the time matters here
      }
      expect(performance.now() - t).toBeLessThan(500);
    }
  });

  it('round-trips through formatExtensions', () => {
    const v = 'permessage-deflate; client_max_window_bits; server_max_window_bits=10, x';
    expect(formatExtensions(parseExtensions(v))).toBe(v);
    expect(formatExtensions(parseExtensions('a; b="1"'))).toBe('a; b=1');
  });

  it('formatExtensions refuses what cannot be sent', () => {
    expect(() => formatExtensions([{ name: 'a b', params: new Map() }])).toThrow(TypeError);
    expect(() => formatExtensions([{ name: 'a', params: new Map([['x', 'a\r\nb']]) }])).toThrow(TypeError);
    expect(() => formatExtensions([{ name: 'a', params: new Map([['x y', true]]) }])).toThrow(TypeError);
  });
});

describe('accept key', () => {
  it('matches RFC 6455 §1.3', () => {
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('matches node:crypto for random keys and odd lengths', async () => {
    const { createHash } = await import('node:crypto');
    for (const key of [generateKey(), generateKey(), 'short', 'x'.repeat(40)]) {
      expect(acceptKey(key)).toBe(createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64'));
    }
  });

  it('isValidKey accepts only the canonical base64 of 16 bytes', () => {
    expect(isValidKey(generateKey())).toBe(true);
    expect(isValidKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe(true);
    expect(isValidKey('dGhlIHNhbXBsZSBub25jZR==')).toBe(false);
    expect(isValidKey('dGhlIHNhbXBsZSBub25jZQ=')).toBe(false);
    expect(isValidKey('dGhlIHNhbXBsZSBub25jZQ=A')).toBe(false);
    expect(isValidKey('dGhlIHNhbXBsZSBub25j\u0141Q==')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import {
  CloseCode,
  encodeClosePayload,
  InvalidPayloadError,
  isValidCloseCode,
  MAX_CLOSE_REASON,
  parseClosePayload,
  ProtocolError,
} from '../../src/wire/index.js';
import { closePayload } from '../helpers/frame-builder.js';
import { errorOf } from '../helpers/error-of.js';

/** §7.4.1/§7.4.2 and the IANA registry, written as the issue lists them. */
function expectedValid(code: number): boolean {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;
  return code >= 3000 && code <= 4999;
}

describe('close codes (RFC 6455 §7.4)', () => {
  it('classifies every 16-bit code', () => {
    const wrong: number[] = [];
    for (let code = 0; code <= 0xffff; code++) if (isValidCloseCode(code) !== expectedValid(code)) wrong.push(code);
    expect(wrong).toEqual([]);
  });

  it('spot-checks the boundaries Autobahn 7.7 / 7.9 / 7.13 use', () => {
    for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]) {
      expect(isValidCloseCode(code)).toBe(true);
    }
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
      expect(isValidCloseCode(code)).toBe(false);
    }
  });

  it('exports the registered codes', () => {
    expect(CloseCode.Normal).toBe(1000);
    expect(CloseCode.NoStatus).toBe(1005);
    expect(CloseCode.InvalidPayload).toBe(1007);
    expect(CloseCode.MessageTooBig).toBe(1009);
    expect(CloseCode.TLSHandshake).toBe(1015);
  });
});

describe('parseClosePayload', () => {
  it('reads an empty payload as 1005 with no reason', () => {
    expect(parseClosePayload(new Uint8Array(0))).toEqual({ code: 1005, reason: '' });
  });

  it('rejects a 1-byte payload with 1002', () => {
    expect(errorOf(() => parseClosePayload(Uint8Array.of(0x03)))).toMatchObject({ code: 'ERR_CLOSE_PAYLOAD', closeCode: 1002 });
  });

  it('reads the code and the UTF-8 reason', () => {
    expect(parseClosePayload(closePayload(1000))).toEqual({ code: 1000, reason: '' });
    expect(parseClosePayload(closePayload(4999, 'bye ✓ 𝄞'))).toEqual({ code: 4999, reason: 'bye ✓ 𝄞' });
    const long = 'é'.repeat(61) + 'x';
    expect(parseClosePayload(closePayload(3000, long)).reason).toBe(long);
  });

  it('reads from a view into a larger buffer', () => {
    const backing = Buffer.concat([Buffer.from('zz'), closePayload(1001, 'ok'), Buffer.from('zz')]);
    expect(parseClosePayload(backing.subarray(2, 6))).toEqual({ code: 1001, reason: 'ok' });
  });

  it('rejects every invalid code with 1002', () => {
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
      const err = errorOf(() => parseClosePayload(closePayload(code, 'x')));
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err).toMatchObject({ code: 'ERR_CLOSE_CODE', closeCode: 1002 });
    }
  });

  it('rejects a reason that is not UTF-8 with 1007 (Autobahn 7.5.1)', () => {
    const reasons = [
      Uint8Array.of(0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64),
      Uint8Array.of(0xc0, 0xaf),
      Uint8Array.of(0xf4, 0x90, 0x80, 0x80),
      Uint8Array.of(0x61, 0xe2, 0x82),
    ];
    for (const r of reasons) {
      const err = errorOf(() => parseClosePayload(closePayload(1000, r)));
      expect(err).toBeInstanceOf(InvalidPayloadError);
      expect(err).toMatchObject({ code: 'ERR_INVALID_UTF8', closeCode: 1007 });
    }
  });
});

describe('encodeClosePayload', () => {
  it('encodes nothing without a code', () => {
    expect(encodeClosePayload()).toHaveLength(0);
  });

  it('encodes the code big-endian followed by the reason', () => {
    expect([...encodeClosePayload(1000)]).toEqual([0x03, 0xe8]);
    expect(encodeClosePayload(4000, 'bye')).toEqual(closePayload(4000, 'bye'));
  });

  it('round-trips every valid code', () => {
    for (let code = 0; code <= 5000; code++) {
      if (!expectedValid(code)) continue;
      expect(parseClosePayload(encodeClosePayload(code, 'r'))).toEqual({ code, reason: 'r' });
    }
  });

  it('accepts a reason of exactly 123 bytes and refuses 124', () => {
    expect(MAX_CLOSE_REASON).toBe(123);
    expect(encodeClosePayload(1000, 'a'.repeat(123))).toHaveLength(125);
    expect(encodeClosePayload(1000, '€'.repeat(41))).toHaveLength(125);
    expect(() => encodeClosePayload(1000, 'a'.repeat(124))).toThrow(RangeError);
    expect(() => encodeClosePayload(1000, '€'.repeat(41) + 'a')).toThrow(RangeError);
  });

  it('refuses codes that may not be sent', () => {
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 1000.5, Number.NaN]) {
      expect(() => encodeClosePayload(code)).toThrow(RangeError);
    }
  });

  it('refuses a reason without a code', () => {
    expect(() => encodeClosePayload(undefined, 'why')).toThrow(RangeError);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WEBSOCKET_GUID, writeAccept } from '../../src/upgrade/accept-sha1.js';

function expected(key: string): string {
  return createHash('sha1').update(key + WEBSOCKET_GUID, 'latin1').digest('base64');
}

describe('writeAccept (SHA-1 in JavaScript)', () => {
  it("gives RFC 6455's example answer", () => {
    const out = Buffer.alloc(28);
    writeAccept(Buffer.from('dGhlIHNhbXBsZSBub25jZQ==', 'latin1'), 0, out, 0);
    expect(out.toString('latin1')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('matches node:crypto for random keys, read and written at any offset, leaving the bytes around untouched', () => {
    for (let n = 0; n < 2000; n++) {
      const key = randomBytes(16).toString('base64');
      const at = n % 7;
      const request = Buffer.from(`${'x'.repeat(at)}${key}\r\n`, 'latin1');
      const out = Buffer.alloc(40, 0x2e);
      writeAccept(request, at, out, at + 1);
      expect(out.toString('latin1', at + 1, at + 29)).toBe(expected(key));
      expect(out.subarray(0, at + 1).every((b) => b === 0x2e)).toBe(true);
      expect(out.subarray(at + 29).every((b) => b === 0x2e)).toBe(true);
    }
  });
});

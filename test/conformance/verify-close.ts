/** What the zwire application must have been told about how a case ended (Conn.closed). */
import { expect } from 'vitest';
import type { CloseInfo } from '../../src/index.js';
import type { ConformanceCase } from './case-types.js';

const WAIT_MS = 3000;

/**
 * A connection the peer failed must end with the code it sent and an Error the application can
 * inspect; a normal close handshake must end clean, without an error.
 */
export async function verifyLocalClose(c: ConformanceCase, closed: Promise<CloseInfo> | undefined): Promise<void> {
  expect(closed, `${c.id}: the zwire endpoint never saw the connection`).toBeDefined();
  const info = await Promise.race([closed!, new Promise<null>((resolve) => setTimeout(() => resolve(null), WAIT_MS))]);
  expect(info, `${c.id}: Conn.closed did not resolve within ${WAIT_MS} ms of the TCP close`).not.toBeNull();
  if (c.informational) return;
  const failure = c.close.initiator === 'peer' || !c.close.codes.includes(1000);
  if (failure) {
    expect(c.close.codes, `${c.id}: Conn.closed code`).toContain(info!.code);
    expect(info!.wasClean, `${c.id}: a failed connection is not clean`).toBe(false);
    expect(info!.error, `${c.id}: a failed connection carries the protocol error`).toBeInstanceOf(Error);
  } else if (!c.close.codes.includes(1002)) {
    expect(info!.wasClean, `${c.id}: clean close handshake (error: ${info!.error?.message})`).toBe(true);
    expect(info!.error, `${c.id}: no error on a clean close`).toBeUndefined();
  }
}

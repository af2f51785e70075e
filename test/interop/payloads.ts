/** Payloads and sizes shared by the interop tests. */

export const MiB = 1024 * 1024;
/** 0 B to 16 MiB, around every length-encoding boundary (7-bit, 16-bit, 64-bit). */
export const SIZES = [0, 1, 125, 126, 127, 65535, 65536, 65537, 1 * MiB, 16 * MiB];

/** A text of exactly n UTF-8 bytes with multi-byte code points ('€' is 3 bytes). */
export function textOf(n: number): string {
  return '€'.repeat(Math.floor(n / 3)) + 'x'.repeat(n % 3);
}

/** n bytes of a deterministic non-repeating-looking pattern (so a shifted or dropped byte shows). */
export function bytesOf(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = 0x12345678;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Close codes an application may send (RFC 6455 7.4 and the IANA registry): 1000-1003, 1007-1014, 3000-4999. */
export function validCloseCodes(): number[] {
  const codes = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014];
  for (let c = 3000; c <= 4999; c++) codes.push(c);
  return codes;
}

/**
 * The defined codes and a sample of 3000-4999 (every 97th plus both ends of each range), for the
 * directions whose full sweep runs elsewhere: a connection per code costs a few ms.
 */
export function sampledCloseCodes(): number[] {
  return validCloseCodes().filter((c) => c < 3000 || c % 97 === 0 || [3000, 3999, 4000, 4999].includes(c));
}

/** Runs fn over items with at most `limit` running at once. */
export async function inBatches<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { upgrade, type UpgradeOptions } from '../../src/upgrade/index.js';
import { afterRequest, MemSocket, request } from './helpers.js';

/** Splits `bytes` at the given cut points (any order, duplicates allowed). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  out.push(bytes.subarray(last));
  return out.filter((c) => c.length > 0);
}

interface Observed {
  ok: boolean;
  response: string;
  after: string;
  calls: string[];
  code?: string;
}

async function observe(chunks: Buffer[], end: boolean): Promise<Observed> {
  const calls: string[] = [];
  const options: UpgradeOptions = {
    timeoutMs: 1000,
    onRequest: (u) => calls.push(`R ${u.toString('latin1')}`),
    onHost: (h) => calls.push(`H ${h.toString('latin1')}`),
    onHeader: (n, v) => calls.push(`${n.toString('latin1')}: ${v.toString('latin1')}`),
    selectProtocol: (p) => p[p.length - 1],
    negotiateExtensions: (offers) => offers.slice(0, 1),
  };
  const socket = new MemSocket();
  const p = upgrade(socket, options);
  for (const c of chunks) socket.feed(c);
  if (end) socket.push(null);
  try {
    const r = await p;
    expect(socket.written).toHaveLength(1);
    return { ok: true, response: socket.output(), after: await afterRequest(socket, r.head), calls };
  } catch (e) {
    const err = e as { code: string; status: number; responded: boolean };
    if (err.responded) {
      expect(socket.output().startsWith(`HTTP/1.1 ${err.status} `)).toBe(true);
      expect(err.status).toBeGreaterThanOrEqual(400);
      expect(socket.ended || socket.destroyed).toBe(true);
    } else {
      expect(err.status).toBe(0);
      expect(socket.destroyed).toBe(true);
      expect(socket.written).toHaveLength(0);
    }
    return { ok: false, response: socket.output(), after: '', calls, code: err.code };
  }
}

const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const headerLine = fc.tuple(fc.stringMatching(/^X-[A-Za-z0-9-]{1,10}$/), fc.stringMatching(/^[ -~]{0,30}$/)).map(([n, v]) => `${n}: ${v.trim()}`);
const validRequest = fc.record({
  path: fc.stringMatching(/^\/[A-Za-z0-9/?=&%._-]{0,40}$/),
  extra: fc.array(headerLine, { maxLength: 6 }),
  protocols: fc.uniqueArray(token, { maxLength: 3 }),
  extensions: fc.array(token, { maxLength: 3 }),
  trailing: fc.uint8Array({ maxLength: 40 }),
}).map(({ path, extra, protocols, extensions, trailing }) => {
  const lines = [...extra];
  if (protocols.length > 0) lines.push(`Sec-WebSocket-Protocol: ${protocols.join(', ')}`);
  if (extensions.length > 0) lines.push(`Sec-WebSocket-Extensions: ${extensions.join('; a=1, ')}`);
  return { bytes: Buffer.concat([Buffer.from(request({ path, extra: lines }), 'latin1'), trailing]), trailing: Buffer.from(trailing) };
});

describe('upgrade: properties', () => {
  it('any chunking of a valid request gives the same response, hooks and leftover bytes', async () => {
    await fc.assert(
      fc.asyncProperty(validRequest, fc.array(fc.nat(), { maxLength: 12 }), async ({ bytes, trailing }, cuts) => {
        const whole = await observe([bytes], false);
        expect(whole.ok).toBe(true);
        expect(whole.after).toBe(trailing.toString('latin1'));
        const chunked = await observe(split(bytes, cuts), false);
        expect(chunked).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes never throw and always end in a response or a destroyed socket', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 5 }), async (bytes, cuts) => {
        await observe(split(Buffer.from(bytes), cuts), true);
      }),
      { numRuns: 300 },
    );
  });

  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.constantFrom(':', '\r\n', '\n', ' ', ',', ';', '"', '\\', '=', '\r\n\r\n', '\0').map((s) => Buffer.from(s)) }),
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  );

  it('mutated requests never throw and always end in a response or a destroyed socket', async () => {
    await fc.assert(
      fc.asyncProperty(validRequest, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 4 }), async ({ bytes }, muts, cuts) => {
        let b = Buffer.from(bytes);
        for (const m of muts) {
          const at = m.at % (b.length + 1);
          if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
          else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
          else if (at < b.length) b[at] ^= m.xor;
        }
        await observe(split(b, cuts), true);
      }),
      { numRuns: 400 },
    );
  });
});

/**
 * The benchmark's traffic: 1 KiB JSON messages (each different, 1,024 to 1,100 bytes so both servers'
 * default 1 KiB threshold compresses them), deflated once in advance as one client would send them in
 * sequence under context takeover, so the load generator replays prepared frames instead of compressing.
 */
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';

/** The i-th message: a JSON object of 1,024 to 1,100 bytes. */
export function message(i: number): Buffer {
  const names = ['ada', 'grace', 'linus', 'ken', 'barbara', 'edsger', 'donald', 'margaret'];
  const items = [];
  for (let k = 0; k < 8; k++) {
    items.push({ sku: `SKU-${(i * 31 + k * 7) % 9973}`, qty: (i + k) % 5, price: Math.round(((i * 13 + k) % 500) * 1.25 * 100) / 100 });
  }
  const base = { id: i, user: names[i % names.length], ts: 1_764_000_000_000 + i * 997, status: i % 3 === 0 ? 'shipped' : 'pending', items, note: '' };
  let json = JSON.stringify(base);
  const target = 1024 + (i % 77);
  if (json.length < target) json = JSON.stringify({ ...base, note: 'x'.repeat(target - json.length) });
  return Buffer.from(json);
}

/** `count` messages compressed in order by one raw deflate context (sync flush, tail stripped). */
export async function compressedSequence(count: number): Promise<{ plain: Buffer[]; compressed: Buffer[] }> {
  const plain = Array.from({ length: count }, (_, i) => message(i));
  const deflate = zlib.createDeflateRaw();
  const compressed: Buffer[] = [];
  let chunks: Buffer[] = [];
  deflate.on('data', (c: Buffer) => chunks.push(c));
  for (const p of plain) {
    deflate.write(p);
    await new Promise<void>((resolve) => deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
    const out = Buffer.concat(chunks);
    chunks = [];
    compressed.push(out.subarray(0, out.length - 4));
  }
  deflate.close();
  return { plain, compressed };
}

const KEY = randomBytes(4);

/** A masked text frame with RSV1 set (one key for all frames: masking cost is not what is measured). */
export function compressedFrame(payload: Buffer): Buffer {
  const len = payload.length;
  const ext = len < 126 ? 0 : 2;
  const out = Buffer.allocUnsafe(2 + ext + 4 + len);
  out[0] = 0x80 | 0x40 | 0x01;
  out[1] = 0x80 | (ext === 0 ? len : 126);
  if (ext === 2) out.writeUInt16BE(len, 2);
  KEY.copy(out, 2 + ext);
  const at = 6 + ext;
  for (let i = 0; i < len; i++) out[at + i] = payload[i] ^ KEY[i & 3];
  return out;
}

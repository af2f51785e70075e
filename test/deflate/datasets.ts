/**
 * Stand-ins for Autobahn's compression test data (Goethe's Faust as text sent binary, a 512x512 greyscale
 * bitmap, a PDF, a JSON file, an HTML file): generated deterministically with the same character (natural
 * language, smooth image data, a mix of text and incompressible streams, structured text), 256 KiB each.
 */
import { randomBytes } from './helpers.js';

export interface DataSet {
  name: string;
  binary: boolean;
  data: Buffer;
}

const SIZE = 256 * 1024;

function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

function faust(): Buffer {
  const words = ['Habe', 'nun', 'ach', 'Philosophie', 'Juristerei', 'und', 'Medizin', 'leider', 'auch', 'Theologie',
    'durchaus', 'studiert', 'mit', 'heißem', 'Bemühn', 'Da', 'steh', 'ich', 'armer', 'Tor', 'bin', 'so', 'klug',
    'als', 'wie', 'zuvor', 'Mephistopheles', 'Gretchen', 'Schüler', 'Geist', 'Erde', 'Nacht', 'Stube', 'Welt'];
  const r = rng(7);
  let s = '';
  while (Buffer.byteLength(s) < SIZE) {
    const n = 4 + Math.floor(r() * 8);
    const line: string[] = [];
    for (let i = 0; i < n; i++) line.push(words[Math.floor(r() * words.length)]);
    s += line.join(' ') + (r() < 0.3 ? '!\n' : ',\n');
  }
  return Buffer.from(s).subarray(0, SIZE);
}

function bitmap(): Buffer {
  const out = Buffer.alloc(SIZE);
  out.write('BM', 0, 'latin1');
  const r = rng(11);
  for (let i = 1078; i < SIZE; i++) {
    const x = i % 512;
    const y = Math.floor(i / 512);
    out[i] = (128 + 100 * Math.sin(x / 40) * Math.cos(y / 55) + r() * 12) & 0xff;
  }
  return out;
}

function pdf(): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n')];
  let len = parts[0].length;
  for (let obj = 1; len < SIZE; obj++) {
    const text = Buffer.from(`${obj} 0 obj\n<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 4 0 R >> >> /Length ${obj * 37} >>\nstream\n`);
    const stream = randomBytes(1500 + (obj % 7) * 300, obj);
    const end = Buffer.from('\nendstream\nendobj\n');
    parts.push(text, stream, end);
    len += text.length + stream.length + end.length;
  }
  return Buffer.concat(parts).subarray(0, SIZE);
}

function json(): Buffer {
  const r = rng(13);
  const items: string[] = [];
  let len = 0;
  for (let i = 0; len < SIZE; i++) {
    const s = JSON.stringify({
      id: i,
      guid: Math.floor(r() * 1e12).toString(16),
      isActive: r() < 0.5,
      balance: `$${(r() * 4000).toFixed(2)}`,
      name: { first: ['Ada', 'Grace', 'Linus', 'Ken'][i % 4], last: ['Lovelace', 'Hopper', 'Torvalds', 'Thompson'][(i >> 2) % 4] },
      tags: ['lorem', 'ipsum', 'dolor', 'sit', 'amet'].slice(0, 1 + (i % 5)),
      friends: [{ id: i + 1, name: 'Ünïcödé ✓' }],
    });
    items.push(s);
    len += s.length + 1;
  }
  return truncateUtf8(Buffer.from(`[${items.join(',')}]`), SIZE);
}

function html(): Buffer {
  const r = rng(17);
  let s = '<!DOCTYPE html><html><head><title>Test</title></head><body>\n';
  for (let i = 0; Buffer.byteLength(s) < SIZE; i++) {
    s += `<div class="row row-${i % 10}"><a href="/item/${Math.floor(r() * 1e6)}">Item ${i}</a><p>Lorem ipsum dolor sit amet — ${'é'.repeat(i % 3)}</p></div>\n`;
  }
  return truncateUtf8(Buffer.from(s), SIZE);
}

/** Cuts at a code point boundary so every slice taken on ASCII positions stays valid UTF-8. */
function truncateUtf8(b: Buffer, n: number): Buffer {
  let end = Math.min(n, b.length);
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end);
}

export const DATA_SETS: DataSet[] = [
  { name: 'text (Faust-like, sent binary)', binary: true, data: faust() },
  { name: 'bitmap', binary: true, data: bitmap() },
  { name: 'PDF-like', binary: true, data: pdf() },
  { name: 'JSON', binary: false, data: json() },
  { name: 'HTML', binary: false, data: html() },
];

/**
 * Autobahn walks the data with a moving pointer, wrapping around. For text data sets the slice is widened
 * to the next code point boundary so it stays valid UTF-8 (Autobahn's own JSON/HTML files are ASCII).
 */
export class Slicer {
  private pos = 0;
  constructor(private readonly set: DataSet) {}

  next(len: number): Buffer {
    const d = this.set.data;
    const out = Buffer.allocUnsafe(len);
    for (let filled = 0; filled < len; ) {
      const k = Math.min(len - filled, d.length - this.pos);
      d.copy(out, filled, this.pos, this.pos + k);
      filled += k;
      this.pos = (this.pos + k) % d.length;
    }
    if (!this.set.binary) return asciiSafe(out);
    return out;
  }
}

/** Replaces bytes of broken UTF-8 sequences at the edges by spaces (keeps the length). */
function asciiSafe(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length && (b[i] & 0xc0) === 0x80) b[i++] = 0x20;
  let j = b.length - 1;
  let back = 0;
  while (j >= 0 && (b[j] & 0xc0) === 0x80 && back < 3) {
    j--;
    back++;
  }
  if (j >= 0 && b[j] >= 0xc0) {
    const need = b[j] >= 0xf0 ? 4 : b[j] >= 0xe0 ? 3 : 2;
    if (b.length - j < need) for (let k = j; k < b.length; k++) b[k] = 0x20;
  }
  return b;
}

/**
 * Autobahn's UTF-8 test sequences for cases 6.5.x to 6.23.x (case6_x_x.py, after Markus Kuhn's
 * UTF-8-test.txt), in its order: category n becomes section 6.(n + 5), entry m case 6.x.(m + 1).
 * Validity is written out by hand, not computed, so a validator bug cannot leak into the table.
 */

export interface Utf8Category {
  title: string;
  sequences: { valid: boolean; bytes: Buffer }[];
}

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string) => Buffer.from(s, 'latin1');
const v = (bytes: Buffer) => ({ valid: true, bytes });
const x = (bytes: Buffer) => ({ valid: false, bytes });

/** κόσμε: code points of 2, 3, 2, 2, 2 bytes; its prefixes are valid at lengths 2, 5, 7, 9, 11. */
const KOSME = hex('ceba e1bdb9 cf83 cebc ceb5');
const KOSME_BOUNDARIES = new Set([2, 5, 7, 9, 11]);

function range(from: number, toExclusive: number, after: number[] = []): Buffer {
  const out: number[] = [];
  for (let b = from; b < toExclusive; b++) out.push(b, ...after);
  return Buffer.from(out);
}

const MISSING_LAST = ['c0', 'e080', 'f08080', 'f8808080', 'fc80808080', 'df', 'efbf', 'f7bfbf', 'fbbfbfbf', 'fdbfbfbfbf'];

function nonCharacters(): Buffer[] {
  const out: Buffer[] = [hex('efbfbe'), hex('efbfbf')];
  for (const z1 of [0xf0, 0xf1, 0xf2, 0xf3, 0xf4]) {
    for (const z2 of [0x8f, 0x9f, 0xaf, 0xbf]) {
      if (z1 === 0xf4 && z2 !== 0x8f) continue; // above U+10FFFF
      for (const z3 of [0xbe, 0xbf]) {
        if (z1 === 0xf0 && z2 === 0x8f) continue; // overlong
        out.push(Buffer.from([z1, z2, 0xbf, z3]));
      }
    }
  }
  return out;
}

export const UTF8_CATEGORIES: Utf8Category[] = [
  {
    title: 'Some valid UTF-8 sequences',
    sequences: [v(ascii('hello$world')), v(hex('68656c6c6f c2a2 776f726c64')), v(hex('68656c6c6f e282ac 776f726c64')), v(hex('68656c6c6f f0a4ada2 776f726c64')), v(KOSME)],
  },
  {
    title: 'All prefixes of a valid UTF-8 string that contains multi-byte code points',
    sequences: Array.from({ length: KOSME.length }, (_, i) => ({ valid: KOSME_BOUNDARIES.has(i + 1), bytes: KOSME.subarray(0, i + 1) })),
  },
  { title: 'First possible sequence of a certain length', sequences: [v(hex('00')), v(hex('c280')), v(hex('e0a080')), v(hex('f0908080'))] },
  { title: 'First possible sequence length 5/6 (invalid codepoints)', sequences: [x(hex('f888808080')), x(hex('fc8480808080'))] },
  { title: 'Last possible sequence of a certain length', sequences: [v(hex('7f')), v(hex('dfbf')), v(hex('efbfbf')), v(hex('f48fbfbf'))] },
  { title: 'Last possible sequence length 4/5/6 (invalid codepoints)', sequences: [x(hex('f7bfbfbf')), x(hex('fbbfbfbfbf')), x(hex('fdbfbfbfbfbf'))] },
  { title: 'Other boundary conditions', sequences: [v(hex('ed9fbf')), v(hex('ee8080')), v(hex('efbfbd')), v(hex('f48fbfbf')), x(hex('f4908080'))] },
  {
    title: 'Unexpected continuation bytes',
    sequences: [x(hex('80')), x(hex('bf')), x(hex('80bf')), x(hex('80bf80')), x(hex('80bf80bf')), x(hex('80bf80bf80')), x(hex('80bf80bf80bf')), x(range(0x80, 0xbf))],
  },
  {
    title: 'Lonely start characters',
    sequences: [
      x(range(0xc0, 0xdf, [0x20])),
      x(range(0xe0, 0xef, [0x20])),
      x(range(0xf0, 0xf7, [0x20])),
      x(range(0xf8, 0xfb, [0x20])),
      x(range(0xfc, 0xfd, [0x20])),
    ],
  },
  { title: 'Sequences with last continuation byte missing', sequences: MISSING_LAST.map((s) => x(hex(s))) },
  { title: 'Concatenation of incomplete sequences', sequences: [x(hex(MISSING_LAST.join('')))] },
  { title: 'Impossible bytes', sequences: [x(hex('fe')), x(hex('ff')), x(hex('fefeffff'))] },
  {
    title: 'Examples of an overlong ASCII character',
    sequences: [x(hex('c0af')), x(hex('e080af')), x(hex('f08080af')), x(hex('f8808080af')), x(hex('fc80808080af'))],
  },
  {
    title: 'Maximum overlong sequences',
    sequences: [x(hex('c1bf')), x(hex('e09fbf')), x(hex('f08fbfbf')), x(hex('f887bfbfbf')), x(hex('fc83bfbfbfbf'))],
  },
  {
    title: 'Overlong representation of the NUL character',
    sequences: [x(hex('c080')), x(hex('e08080')), x(hex('f0808080')), x(hex('f880808080')), x(hex('fc8080808080'))],
  },
  {
    title: 'Single UTF-16 surrogates',
    sequences: ['eda080', 'edadbf', 'edae80', 'edafbf', 'edb080', 'edbe80', 'edbfbf'].map((s) => x(hex(s))),
  },
  {
    title: 'Paired UTF-16 surrogates',
    sequences: ['eda080edb080', 'eda080edbfbf', 'edadbfedb080', 'edadbfedbfbf', 'edae80edb080', 'edae80edbfbf', 'edafbfedb080', 'edafbfedbfbf'].map((s) =>
      x(hex(s)),
    ),
  },
  { title: 'Non-character code points (valid UTF-8)', sequences: nonCharacters().map(v) },
  {
    title: 'Unicode specials (i.e. replacement char)',
    sequences: ['efbfb9', 'efbfba', 'efbfbb', 'efbfbc', 'efbfbd', 'efbfbe', 'efbfbf'].map((s) => v(hex(s))),
  },
];

/*
 * The wire layer's benchmarks, in one process (`npm run bench -- wire` or
 * `npx tsx bench/wire.ts`): unmask throughput at 1 KiB, 64 KiB and 1 MiB, and
 * frame parsing on ws's parser benchmark frames, each printed as a table with
 * ratios. Flags: --quick (fewer, shorter rounds), --rounds=N, --ms=N (per
 * sample), --only=mask or --only=parse.
 */
import { parseFlags } from './lib/args.js';
import { describeEnvironment } from './lib/env.js';
import { pairedRatio, summarize } from './lib/stats.js';
import { formatNumber, formatRatio, formatSpread, renderTable } from './lib/table.js';
import type { Column } from './lib/table.js';
import { maskContenders, maskNotes } from './wire/mask.js';
import { measure } from './wire/measure.js';
import { parseContenders, wsFrameSet } from './wire/parse.js';

const flags = parseFlags();
const quick = flags.has('quick');
const rounds = flags.number('rounds', quick ? 3 : 7);
const ms = flags.number('ms', quick ? 40 : 100);
const only = flags.string('only');
if (only !== undefined && only !== 'mask' && only !== 'parse') throw new Error('--only takes mask or parse');

const sizes: [string, number][] = [
  ['1 KiB', 1024],
  ['64 KiB', 64 * 1024],
  ['1 MiB', 1024 * 1024],
];

function benchMask(): void {
  console.log('## Unmask throughput (GB/s)\n');
  const columns: Column[] = [
    { header: 'size', align: 'left' },
    { header: 'contender', align: 'left' },
    { header: 'GB/s' },
    { header: 'spread' },
    { header: 'vs byte loop' },
    { header: 'vs bufferutil' },
  ];
  const rows: string[][] = [];
  for (const [label, size] of sizes) {
    const samples = measure(maskContenders(size), rounds, ms);
    const byteLoop = samples.get('ws byte loop') ?? [];
    const native = samples.get('bufferutil (native)') ?? [];
    for (const [name, opsPerSecond] of samples) {
      const s = summarize(opsPerSecond);
      rows.push([
        label,
        name,
        formatNumber((s.median * size) / 1e9),
        formatSpread(s.spread),
        formatRatio(pairedRatio(opsPerSecond, byteLoop)),
        native.length > 0 ? formatRatio(pairedRatio(opsPerSecond, native)) : 'n/a',
      ]);
    }
  }
  console.log(renderTable(columns, rows));
  for (const note of maskNotes) console.log(`\nnote: ${note}`);
}

function benchParse(): void {
  console.log('\n## Frame parsing (frames/s), masked client frames as in ws bench/parser.benchmark.js\n');
  const columns: Column[] = [
    { header: 'frame', align: 'left' },
    { header: 'contender', align: 'left' },
    { header: 'frames/s' },
    { header: 'spread' },
    { header: 'vs ws (JS mask)' },
    { header: 'vs ws (bufferutil)' },
  ];
  const rows: string[][] = [];
  for (const frame of wsFrameSet()) {
    const samples = measure(parseContenders(frame), rounds, ms);
    const wsJs = samples.get('ws Receiver (JS mask)') ?? [];
    const wsNative = samples.get('ws Receiver (bufferutil)') ?? [];
    for (const [name, opsPerSecond] of samples) {
      const s = summarize(opsPerSecond);
      rows.push([
        frame.name,
        name,
        formatNumber(s.median),
        formatSpread(s.spread),
        formatRatio(pairedRatio(opsPerSecond, wsJs)),
        formatRatio(pairedRatio(opsPerSecond, wsNative)),
      ]);
    }
  }
  console.log(renderTable(columns, rows));
  for (const note of maskNotes) console.log(`\nnote: ${note}`);
}

console.log(
  `# zwire wire benchmarks\n\n${describeEnvironment()}\n` +
    `${rounds} alternated rounds of ~${ms} ms per contender; figures are medians, spread is ± half the min-max range, ` +
    'ratios are medians of per-round ratios.\n',
);
if (only !== 'parse') benchMask();
if (only !== 'mask') benchParse();

// permessage-deflate echo benchmark (issue #5): 1 KiB JSON messages echoed with compression on and context
// takeover both ways, our examples/echo-server.ts (DEFLATE=1) against ws with perMessageDeflate (its
// bench/echo/ws-server.ts, DEFLATE=1), both with their default deflate options. Reports msgs/s, server CPU
// per message and RSS per connection. Figures and method: bench/deflate.md.
//   npm run bench -- deflate            (~1.5 minutes)
//   npm run bench -- deflate --quick    (~30 s)
//   flags: --connections=N (1000)  --inflight=N (1)  --rounds=N (5)  --seconds=S (2)
//          --profile (CPU profile of our server over the measured rounds, top functions printed)
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CLIENT_CPU,
  ROOT,
  SERVER_CPU,
  alternateRounds,
  describeEnvironment,
  formatBytes,
  formatNumber,
  formatRatio,
  formatSpread,
  pairedRatio,
  parseFlags,
  renderSelfTime,
  renderTable,
  spawnServer,
  spawnWorker,
  summarize,
  topSelfTime,
  type ServerProcess,
  type Worker,
} from './lib/index.js';
import type { DeflateLoadProtocol, DeflateRunResult } from './deflate/protocol.js';

const flags = parseFlags();
const quick = flags.has('quick');
const connections = flags.number('connections', 1000);
const inflight = flags.number('inflight', 1);
const rounds = flags.number('rounds', quick ? 2 : 5);
const roundMs = flags.number('seconds', quick ? 1 : 2) * 1000;
const warmupMs = quick ? 500 : 1500;
const profile = flags.has('profile');
const resultsDir = join(ROOT, 'bench/results');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');

interface Contestant {
  id: string;
  label: string;
  script: string;
  server?: ServerProcess;
  load?: Worker<DeflateLoadProtocol>;
  extensions?: string;
  rssPerConn?: number;
  externalPerConn?: number;
}

const contestants: Contestant[] = [
  { id: 'zwire', label: 'zwire', script: 'examples/echo-server.ts' },
  { id: 'ws', label: 'ws (perMessageDeflate)', script: 'bench/echo/ws-server.ts' },
];

interface Round extends DeflateRunResult {
  msgsPerSec: number;
  serverCpuUsPerMsg: number;
}

async function settle(server: ServerProcess): Promise<{ rss: number; external: number }> {
  await server.gc();
  await sleep(50);
  await server.gc();
  const s = await server.stats();
  // external already includes arrayBuffers (every Buffer): adding them would count those twice.
  return { rss: s.rss, external: s.external };
}

async function start(c: Contestant): Promise<void> {
  c.server = await spawnServer({ name: c.id, script: c.script, env: { DEFLATE: '1' }, nodeArgs: ['--expose-gc'], cpu: SERVER_CPU });
  c.load = spawnWorker<DeflateLoadProtocol>({ name: `${c.id}-load`, script: 'bench/deflate/load.ts', cpu: CLIENT_CPU });
  const before = await settle(c.server);
  const opened = await c.load.ipc.call('connect', { host: '127.0.0.1', port: c.server.port, connections, inflight }, 120_000);
  c.extensions = opened.extensions;
  await c.load.ipc.call('run', { ms: warmupMs }, 120_000);
  const after = await settle(c.server);
  c.rssPerConn = (after.rss - before.rss) / connections;
  c.externalPerConn = (after.external - before.external) / connections;
}

async function measure(c: Contestant): Promise<Round> {
  const server = c.server as ServerProcess;
  const s0 = await server.stats();
  const r = await (c.load as Worker<DeflateLoadProtocol>).ipc.call('run', { ms: roundMs }, 120_000);
  const s1 = await server.stats();
  const cpuUs = s1.cpuUserUs + s1.cpuSystemUs - (s0.cpuUserUs + s0.cpuSystemUs);
  return { ...r, msgsPerSec: (r.messages / r.windowMs) * 1000, serverCpuUsPerMsg: cpuUs / r.total };
}

async function main(): Promise<void> {
  console.log(`# permessage-deflate echo benchmark${quick ? ' (--quick)' : ''}\n\n${describeEnvironment()}`);
  console.log(
    `${connections} connections × ${inflight} in flight, 1,024-1,100 B JSON text messages, compressed both ways with context takeover; ` +
      `${rounds} alternated rounds of ${roundMs / 1000} s after a ${warmupMs / 1000} s warm-up; medians.\n`,
  );
  try {
    for (const c of contestants) await start(c);
    await mkdir(resultsDir, { recursive: true });
    const ours = contestants[0].server as ServerProcess;
    if (profile) await ours.startProfile();
    const results = await alternateRounds(contestants, rounds, (c) => measure(c));
    if (profile) {
      const path = await ours.stopProfile(join(resultsDir, `deflate-zwire-${stamp}.cpuprofile`));
      console.log(`profile of zwire over the rounds: ${path}\n\n${renderSelfTime(await topSelfTime(path, 25))}\n`);
    }
    const ws = results.get(contestants[1]) as Round[];
    const rows = contestants.map((c) => {
      const rs = results.get(c) as Round[];
      const rate = summarize(rs.map((r) => r.msgsPerSec));
      const cpu = summarize(rs.map((r) => r.serverCpuUsPerMsg));
      const size = summarize(rs.map((r) => r.bytesIn / r.total));
      return [
        c.label,
        formatNumber(rate.median),
        formatSpread(rate.spread),
        c === contestants[1] ? '1.00×' : formatRatio(pairedRatio(rs.map((r) => r.msgsPerSec), ws.map((r) => r.msgsPerSec))),
        formatNumber(cpu.median),
        formatNumber(size.median),
        formatBytes(c.rssPerConn ?? NaN),
        formatBytes(c.externalPerConn ?? NaN),
        String(rs.reduce((n, r) => n + r.uncompressed, 0)),
      ];
    });
    console.log(
      renderTable(
        [
          { header: 'server', align: 'left' },
          { header: 'msgs/s' },
          { header: 'spread' },
          { header: 'vs ws' },
          { header: 'server CPU µs/msg' },
          { header: 'echo B (compressed)' },
          { header: 'RSS/conn' },
          { header: 'external/conn' },
          { header: 'uncompressed echoes' },
        ],
        rows,
      ),
    );
    for (const c of contestants) console.log(`- ${c.label} answered: Sec-WebSocket-Extensions: ${c.extensions}`);
    const file = join(resultsDir, `deflate-${stamp}.json`);
    await writeFile(
      file,
      JSON.stringify({ connections, inflight, rounds, roundMs, contestants: contestants.map((c) => ({ id: c.id, rssPerConn: c.rssPerConn, externalPerConn: c.externalPerConn, rounds: results.get(c) })) }, null, 2),
    );
    console.log(`\nraw figures: ${file}`);
  } finally {
    for (const c of contestants) {
      await c.load?.ipc.call('close', null, 30_000).catch(() => null);
      await c.load?.stop();
      await c.server?.stop();
    }
  }
}

await main();

// Opening-handshake benchmark of issue #3: handshakes per second and server
// CPU time per handshake for zwire's raw-socket path (createUpgradeServer ->
// upgrade) and node:http path (upgradeHTTP), against ws's WebSocketServer and
// a bare net server answering by hand, side by side in one run.
//   npx tsx bench/handshake.ts   (or: npm run bench -- handshake)
//   flags: --rounds=N (default 5)  --seconds=S per round (default 2)  --concurrency=N (default 32)
//          --servers=zwire-raw,zwire-http,zwire-listen,ws,bare  --quick
//          --baseline=<script> (also run this server, e.g. an older checkout's examples/echo-server.ts)
//          --profile[=id,...] (CPU profile of these servers over the measured rounds, default zwire-listen
//            and the baseline; top self time printed, files in bench/results)
// Each server is its own process (CPU read by bench/lib/probe.ts over IPC);
// the load generator is another process (bench/handshake/load.ts), each loop
// doing open, handshake (checking the accept), close, 32 loops at a time.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  alternateRounds,
  CLIENT_CPU,
  describeEnvironment,
  formatNumber,
  formatRatio,
  formatSpread,
  pairedRatio,
  parseFlags,
  renderSelfTime,
  renderTable,
  ROOT,
  SERVER_CPU,
  spawnServer,
  spawnWorker,
  summarize,
  topSelfTime,
  type ServerProcess,
} from './lib/index.js';
import type { LoadProtocol } from './handshake/protocol.js';

const SERVERS = {
  'zwire-raw': { label: 'zwire upgrade() (raw socket)', script: 'bench/handshake/zwire-raw-server.ts' },
  'zwire-http': { label: 'zwire upgradeHTTP() (node:http)', script: 'bench/handshake/zwire-http-server.ts' },
  'zwire-listen': { label: 'zwire listen(): examples/echo-server.ts', script: 'examples/echo-server.ts' },
  ws: { label: 'ws WebSocketServer', script: 'bench/handshake/ws-server.ts' },
  bare: { label: 'bare net, by hand (reference)', script: 'bench/handshake/bare-server.ts' },
} as Record<string, { label: string; script: string }>;
type ServerId = string;

const flags = parseFlags();
const quick = flags.has('quick');
const rounds = flags.number('rounds', quick ? 2 : 5);
const roundMs = flags.number('seconds', quick ? 0.5 : 2) * 1000;
const concurrency = flags.number('concurrency', 32);
const baselineScript = flags.string('baseline');
if (baselineScript) SERVERS.baseline = { label: `baseline: ${baselineScript}`, script: baselineScript };
const profiled = flags.has('profile') ? (flags.list('profile') ?? ['zwire-listen', 'baseline']) : [];
const ids = [...(flags.list('servers') ?? Object.keys(SERVERS).filter((id) => id !== 'baseline')), ...(baselineScript ? ['baseline'] : [])].filter((id) => id in SERVERS);

interface Round {
  perSecond: number;
  cpuUsPerHandshake: number;
  userUsPerHandshake: number;
  failures: number;
  busy: number;
  firstError: string | null;
}

async function measure(server: ServerProcess, load: ReturnType<typeof spawnWorker<LoadProtocol>>, ms: number): Promise<Round> {
  const before = await server.stats();
  const r = await load.ipc.call('run', { port: server.port, concurrency, durationMs: ms }, ms + 30_000);
  const after = await server.stats();
  const userUs = after.cpuUserUs - before.cpuUserUs;
  const cpuUs = userUs + after.cpuSystemUs - before.cpuSystemUs;
  return {
    perSecond: (r.handshakes / r.windowMs) * 1000,
    cpuUsPerHandshake: r.handshakes > 0 ? cpuUs / r.handshakes : Number.NaN,
    userUsPerHandshake: r.handshakes > 0 ? userUs / r.handshakes : Number.NaN,
    failures: r.failures,
    busy: r.busy,
    firstError: r.firstError,
  };
}

async function main(): Promise<void> {
  console.log(`# handshake benchmark${quick ? ' (--quick)' : ''}\n\n${describeEnvironment()}`);
  console.log(`${rounds} alternated rounds of ${roundMs / 1000} s per server after a 1 s warm-up; ${concurrency} concurrent open/handshake/close loops; medians.\n`);
  const servers = new Map<ServerId, ServerProcess>();
  const load = spawnWorker<LoadProtocol>({ name: 'load', script: 'bench/handshake/load.ts', cpu: CLIENT_CPU });
  try {
    for (const id of ids) servers.set(id, await spawnServer({ name: id, script: SERVERS[id].script, cpu: SERVER_CPU }));
    for (const id of ids) await measure(servers.get(id)!, load, quick ? 300 : 1000);
    const profiling = ids.filter((id) => profiled.includes(id));
    for (const id of profiling) await servers.get(id)!.startProfile();
    const results = await alternateRounds(ids, rounds, (id) => measure(servers.get(id)!, load, roundMs));
    const ws = results.get('ws');
    const rows = ids.map((id) => {
      const rs = results.get(id)!;
      const hs = summarize(rs.map((r) => r.perSecond));
      const cpu = summarize(rs.map((r) => r.cpuUsPerHandshake));
      return [
        SERVERS[id].label,
        formatNumber(hs.median),
        formatSpread(hs.spread),
        formatNumber(cpu.median),
        formatNumber(summarize(rs.map((r) => r.userUsPerHandshake)).median),
        ws ? formatRatio(pairedRatio(rs.map((r) => r.cpuUsPerHandshake), ws.map((r) => r.cpuUsPerHandshake))) : 'n/a',
        ws ? formatRatio(pairedRatio(rs.map((r) => r.perSecond), ws.map((r) => r.perSecond))) : 'n/a',
        `${Math.round(summarize(rs.map((r) => r.busy)).median * 100)} %`,
        String(rs.reduce((n, r) => n + r.failures, 0)),
      ];
    });
    console.log(renderTable(
      [
        { header: 'server', align: 'left' },
        { header: 'handshakes/s' },
        { header: 'spread' },
        { header: 'server CPU µs/handshake' },
        { header: 'of which user' },
        { header: 'CPU vs ws' },
        { header: 'hs/s vs ws' },
        { header: 'load gen busy' },
        { header: 'failures' },
      ],
      rows,
    ));
    for (const id of ids) {
      const err = results.get(id)!.find((r) => r.firstError !== null)?.firstError;
      if (err) console.log(`- ${SERVERS[id].label}: first failure: ${err}`);
    }
    for (const id of profiling) await printProfile(id, servers.get(id)!);
    console.log('\nTargets: zwire raw path ≤ 0.70× ws server CPU per handshake (issue #3); the listen() path a user runs ≤ 0.60× (issue #12).');
  } finally {
    await load.stop();
    for (const s of servers.values()) await s.stop();
  }
}

async function printProfile(id: ServerId, server: ServerProcess): Promise<void> {
  const dir = join(ROOT, 'bench/results');
  await mkdir(dir, { recursive: true });
  const path = await server.stopProfile(join(dir, `handshake-${id}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`));
  console.log(`\n#### CPU profile of ${SERVERS[id].label} over the measured rounds: ${path}\n\n${renderSelfTime(await topSelfTime(path, 30))}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

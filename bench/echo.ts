// Echo benchmark of issue #4: our examples/echo-server.ts against ws and a raw
// net echo (the ceiling), side by side in one run. See bench/README.md.
//   npm run bench -- echo            full run (~3 minutes)
//   npm run bench -- echo --quick    smoke run (under a minute)
//   flags: --only=small,text,large,huge,idle  --servers=zwire,ws,ws-js,raw
//          --rounds=N  --seconds=S (per round)  --profile[=server] (CPU profile of one server in the first scenario --only names, default small)
//          --zwire=<script> (run another script as our server, e.g. a variant under test)
//          --baseline=<script> (also run this echo server in every scenario, e.g. an older checkout's)
//          --heap (idle scenario: heap snapshots before/after, what grew per connection)
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, busyWarning, describeEnvironment, parseFlags, renderSelfTime, topSelfTime } from './lib/index.js';
import { runIdle } from './echo/idle.js';
import { idleReport, throughputNotes, throughputTable } from './echo/report.js';
import { IDLE, THROUGHPUT } from './echo/scenarios.js';
import { SERVERS, isAvailable, type ServerDef } from './echo/servers.js';
import { runThroughput, type RunTiming } from './echo/throughput.js';

const flags = parseFlags();
const quick = flags.has('quick');
const timing: RunTiming = {
  rounds: flags.number('rounds', quick ? 2 : 5),
  roundMs: flags.number('seconds', quick ? 0.4 : 1.5) * 1000,
  warmupMs: quick ? 300 : 1000,
};
const only = flags.list('only');
const wanted = flags.list('servers');
const resultsDir = join(ROOT, 'bench/results');
const stamp = (): string => new Date().toISOString().replace(/[:.]/g, '-');
const zwireScript = flags.string('zwire');
if (zwireScript) SERVERS.zwire = { ...SERVERS.zwire, script: zwireScript };
// Before/after: another echo server (e.g. examples/echo-server.ts of an older checkout in a git worktree)
// runs in every scenario, alternated with the others, so both versions see the same machine.
const baselineScript = flags.string('baseline');
if (baselineScript) SERVERS.baseline = { id: 'baseline', label: `baseline: ${baselineScript}`, script: baselineScript };

function serversFor(ids: string[]): ServerDef[] {
  return [...ids, ...(baselineScript ? ['baseline'] : [])]
    .filter((id) => id === 'baseline' || !wanted || wanted.includes(id))
    .map((id) => SERVERS[id])
    .filter((def) => {
      if (isAvailable(def)) return true;
      console.log(`(${def.label}: ${def.script} not found, skipped)`);
      return false;
    });
}

async function profile(serverId: string): Promise<void> {
  const sc = THROUGHPUT.find((t) => !only || only.includes(t.id));
  if (!sc) throw new Error(`--profile needs a throughput scenario: ${THROUGHPUT.map((t) => t.id).join(', ')}`);
  const defs = serversFor([serverId]);
  if (defs.length === 0) throw new Error(`unknown or unavailable server ${serverId}`);
  await mkdir(resultsDir, { recursive: true });
  const path = join(resultsDir, `echo-${serverId}-${stamp()}.cpuprofile`);
  console.log(`## CPU profile of ${defs[0].label} over the measured rounds: ${sc.title}\n`);
  const runs = await runThroughput(sc, defs, { ...timing, profile: { serverId, path } });
  console.log(throughputTable(sc, runs));
  for (const run of runs) if (run.error) console.log(`- ${run.def.label} failed: ${run.error}`);
  console.log(`\nprofile (open in Chrome DevTools): ${path}\n\n${renderSelfTime(await topSelfTime(path, 30))}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`# echo benchmark${quick ? ' (--quick)' : ''}\n\n${describeEnvironment()}`);
  console.log(`${timing.rounds} alternated rounds of ${timing.roundMs / 1000} s per server after a ${timing.warmupMs / 1000} s warm-up; medians.\n`);
  const profiled = flags.has('profile') ? (flags.string('profile') ?? 'zwire') : null;
  if (profiled) return profile(profiled);
  const record: Record<string, unknown> = { environment: describeEnvironment(), timing, scenarios: {} };
  const scenarios = record.scenarios as Record<string, unknown>;
  for (const sc of THROUGHPUT) {
    if (only && !only.includes(sc.id)) continue;
    const runs = await runThroughput(sc, serversFor(sc.servers), timing);
    console.log(`## ${sc.id}: ${sc.title}\n\n${throughputTable(sc, runs)}\n\n${throughputNotes(sc, runs)}\n`);
    scenarios[sc.id] = runs;
  }
  if (!only || only.includes(IDLE.id)) {
    const fdLimit = Number(spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim());
    // Each side holds one descriptor per connection, plus a few hundred of its own.
    if (fdLimit < IDLE.connections + 512) {
      console.log(`## ${IDLE.id}: skipped, \`ulimit -n\` is ${fdLimit}; raise it to ${IDLE.connections + 512} or more (ulimit -n 8192)\n`);
    } else {
      const heapDir = flags.has('heap') ? join(resultsDir, `heap-${stamp()}`) : undefined;
      if (heapDir) await mkdir(heapDir, { recursive: true });
      const runs = await runIdle(serversFor(IDLE.servers), IDLE.connections, quick ? 1 : 5, heapDir);
      console.log(`## ${IDLE.id}: ${IDLE.title}\n\n${idleReport(runs, IDLE.boundVsRaw)}\n`);
      scenarios[IDLE.id] = runs;
    }
  }
  console.log(`finished in ${Math.round((Date.now() - started) / 1000)} s; ${describeEnvironment()}`);
  const warning = busyWarning(2);
  if (warning) console.log(warning);
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `echo-${stamp()}.json`);
  await writeFile(file, JSON.stringify(record, null, 2));
  console.log(`raw figures: ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

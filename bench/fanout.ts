// Fan-out benchmark of issue #13: zwire's message-layer topics against `ws`
// (loop over clients), Bun's native topics, a hand-written Node server (frame
// once, one write per socket per turn) and Socket.IO rooms, side by side in
// one run; deliveries per second, ratios to Bun. See bench/README.md.
//   npm run bench -- fanout            full run
//   npm run bench -- fanout --quick    smoke run (short rounds, 1,000 broadcast subscribers)
//   flags: --only=chat16,chat256,broadcast  --servers=zwire,bun,...  --rounds=N  --seconds=S
//          --subscribers=N (broadcast clients, default 10,000)
//          --baseline=<dir>: also run zwire's servers of another checkout (an older commit in a git worktree,
//            node_modules linked) beside ours, alternated, with ratios of ours to theirs
//          --profile: CPU profile of each zwire server over the measured rounds, top self time printed
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, busyWarning, describeEnvironment, parseFlags, renderSelfTime, topSelfTime } from './lib/index.js';
import { fanoutTable, rpcLines, targetLine } from './fanout/report.js';
import { runFanout, type FanoutTiming } from './fanout/run.js';
import { fanoutScenarios } from './fanout/scenarios.js';
import { FANOUT_SERVERS, baselineServers, isAvailable, type FanoutServerDef } from './fanout/servers.js';

const flags = parseFlags();
const quick = flags.has('quick');
const timing: FanoutTiming = {
  rounds: flags.number('rounds', quick ? 1 : 3),
  roundMs: flags.number('seconds', quick ? 0.4 : 2) * 1000,
  warmupMs: quick ? 300 : 1000,
  profile: flags.has('profile'),
};
const only = flags.list('only');
const wanted = flags.list('servers');
const baselineDir = flags.string('baseline');
const baselines = baselineDir === undefined ? [] : baselineServers(baselineDir);

/** The servers of a scenario by id, each baseline server right after ours it is compared with. */
function serversOf(ids: readonly string[]): FanoutServerDef[] {
  const out: FanoutServerDef[] = [];
  for (const id of ids) {
    if (wanted && !wanted.includes(id)) continue;
    out.push(FANOUT_SERVERS[id], ...baselines.filter((b) => b.baselineOf === id));
  }
  return out;
}
/** Descriptors each side needs beyond its connections. */
const FD_SLACK = 512;

/**
 * The broadcast's subscriber count within the descriptor limit. Node raises
 * its soft `ulimit -n` to the hard one at start-up and children inherit it,
 * so the hard limit is what counts; above it, the largest count that fits.
 */
function subscriberCount(): number {
  const asked = flags.number('subscribers', quick ? 1000 : 10_000);
  const out = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
  const limit = out === 'unlimited' ? Infinity : Number(out);
  if (asked + FD_SLACK <= limit) return asked;
  const fits = Math.max(1, limit - FD_SLACK);
  console.log(`(broadcast: ${asked} subscribers need \`ulimit -n\` ${asked + FD_SLACK}; the limit is ${limit}, so ${fits} subscribers)`);
  return fits;
}

async function main(): Promise<void> {
  const subscribers = subscriberCount();
  const started = Date.now();
  console.log(`# fan-out benchmark${quick ? ' (--quick)' : ''}\n\n${describeEnvironment()}`);
  console.log(`${timing.rounds} alternated rounds of ${timing.roundMs / 1000} s per server after a ${timing.warmupMs / 1000} s warm-up; medians.\n`);
  const record: Record<string, unknown> = { environment: describeEnvironment(), timing, scenarios: {} };
  const scenarios = record.scenarios as Record<string, unknown>;
  const dir = join(ROOT, 'bench/results');
  await mkdir(dir, { recursive: true });
  if (baselineDir !== undefined) console.log(`baseline: zwire's servers of ${baselineDir}\n`);
  for (const sc of fanoutScenarios(subscribers)) {
    if (only && !only.includes(sc.id)) continue;
    const defs = serversOf(sc.servers)
      .filter((def) => {
        if (isAvailable(def)) return true;
        console.log(`(${def.label}: ${def.needs.join(', ')} not found, skipped)`);
        return false;
      });
    const runs = await runFanout(sc, defs, timing);
    console.log(`## ${sc.id}: ${sc.title}\n\n${fanoutTable(runs)}\n\n${targetLine(sc, runs)}\n${rpcLines(runs)}\n`);
    for (const run of runs) {
      if (run.profile !== undefined) console.log(`#### CPU profile of ${run.def.label} over the rounds: ${run.profile}\n\n${renderSelfTime(await topSelfTime(run.profile, 25))}\n`);
    }
    scenarios[sc.id] = runs;
  }
  console.log(`finished in ${Math.round((Date.now() - started) / 1000)} s; ${describeEnvironment()}`);
  const warning = busyWarning(2);
  if (warning) console.log(warning);
  const file = join(dir, `fanout-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify(record, null, 2));
  console.log(`raw figures: ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

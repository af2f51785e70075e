// Redis's side of a publication (issue #14): redisEngine instances driven
// directly in this process, without sockets to clients: one publishing engine
// keeps publications in flight on a channel that three engines (the other
// nodes) subscribe to, on a redis-server of its own. Per publication: Redis
// CPU (INFO cpu, µs precision), time inside scripts (INFO commandstats),
// script calls (round trips), and this process's CPU (the publishing and the
// three subscribing engines). With --baseline=<dir>, that checkout's engine
// runs beside ours, alternated round by round.
//   npm run bench -- redis-script --quick
//   flags: --inflight=1,8,64  --rounds=N  --seconds=S  --size=N  --channels=N  --history  --baseline=<dir>
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient } from 'redis';
import type { Engine, EngineHandler, EnginePublishOptions } from '../src/engine/engine.js';
import { redisEngine } from '../src/redis/index.js';
import type { RedisEngineOptions } from '../src/redis/index.js';
import {
  CLIENT_CPU,
  alternateRounds,
  describeEnvironment,
  formatNumber,
  formatRatio,
  pairedRatio,
  parseFlags,
  renderTable,
  summarize,
} from './lib/index.js';
import { BenchRedis } from './redis/redis-server.js';

type MakeEngine = (opts: RedisEngineOptions) => Engine;

const flags = parseFlags();
const quick = flags.has('quick');
const rounds = flags.number('rounds', quick ? 3 : 5);
const roundMs = flags.number('seconds', quick ? 0.5 : 2) * 1000;
const inflights = (flags.list('inflight') ?? ['1', '8', '64']).map(Number);
const size = flags.number('size', 128);
const channels = flags.number('channels', 1);
const opts: EnginePublishOptions = flags.has('history') ? { history: { size: 100, ttlMs: 60_000 } } : {};
const baselineDir = flags.string('baseline');

interface Contestant {
  label: string;
  make: MakeEngine;
}

interface Round {
  perSec: number;
  redisUs: number;
  scriptUs: number;
  calls: number;
  nodeUs: number;
}

/** Counts deliveries; the figures are Redis's, so a subscriber does nothing else. */
class Counter implements EngineHandler {
  n = 0;
  publication(): void {
    this.n++;
  }
  join(): void {}
  leave(): void {}
}

async function baselineEngine(dir: string): Promise<MakeEngine> {
  const entry = join(resolve(dir), 'src/redis/index.ts');
  if (!existsSync(entry)) throw new Error(`--baseline: ${entry} not found (the directory must be a zwire checkout)`);
  const mod = (await import(pathToFileURL(entry).href)) as { redisEngine: MakeEngine };
  return mod.redisEngine;
}

/** Redis's CPU (user + system, µs), and script calls and µs inside scripts, from INFO. */
async function redisCounters(admin: { sendCommand(args: string[]): Promise<unknown> }): Promise<{ cpuUs: number; calls: number; scriptUs: number }> {
  const info = String(await admin.sendCommand(['INFO', 'all']));
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  let calls = 0;
  let scriptUs = 0;
  for (const m of info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+),usec=(\d+)/gm)) {
    calls += Number(m[1]);
    scriptUs += Number(m[2]);
  }
  return { cpuUs: (field('used_cpu_user') + field('used_cpu_sys')) * 1e6, calls, scriptUs };
}

async function main(): Promise<void> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    console.log('no redis-server on PATH: apt-get install redis-server');
    return;
  }
  const contestants: Contestant[] = [{ label: 'zwire', make: redisEngine }];
  if (baselineDir !== undefined) contestants.push({ label: `baseline ${baselineDir}`, make: await baselineEngine(baselineDir) });
  console.log(`# Redis per publication${quick ? ' (--quick)' : ''}\n\n${describeEnvironment()}`);
  console.log(
    `1 publishing engine, 3 subscribing engines (this process), redis-server pinned to CPU ${CLIENT_CPU}; ${size} B on ${channels} channel(s)` +
      `${opts.history ? ', history 100' : ''}; ${rounds} alternated rounds of ${roundMs / 1000} s; medians.\n`,
  );
  const redis = new BenchRedis();
  await redis.start(CLIENT_CPU);
  const admin = createClient({ socket: { path: redis.socketPath, tls: false } });
  await admin.connect();
  const engines: Engine[] = [];
  try {
    const data = Buffer.alloc(size, 120);
    const names = Array.from({ length: channels }, (_, i) => `bench:${i}`);
    const setups = new Map<Contestant, Engine>();
    for (const [i, c] of contestants.entries()) {
      const prefix = `c${i}`;
      const publisher = c.make({ socketPath: redis.socketPath, prefix });
      await publisher.start(new Counter());
      engines.push(publisher);
      for (let s = 0; s < 3; s++) {
        const sub = c.make({ socketPath: redis.socketPath, prefix });
        await sub.start(new Counter());
        engines.push(sub);
        for (const name of names) await sub.subscribe(name);
      }
      setups.set(c, publisher);
    }
    const rows: string[][] = [];
    for (const inflight of inflights) {
      const measure = async (c: Contestant): Promise<Round> => {
        const publisher = setups.get(c)!;
        const before = await redisCounters(admin);
        const cpu0 = process.cpuUsage();
        const end = performance.now() + roundMs;
        let done = 0;
        let next = 0;
        const started = performance.now();
        await Promise.all(
          Array.from({ length: inflight }, async () => {
            while (performance.now() < end) {
              await publisher.publish(names[next++ % channels]!, data, opts);
              done++;
            }
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        const cpu = process.cpuUsage(cpu0);
        const after = await redisCounters(admin);
        return {
          perSec: done / seconds,
          redisUs: (after.cpuUs - before.cpuUs) / done,
          scriptUs: (after.scriptUs - before.scriptUs) / done,
          calls: (after.calls - before.calls) / done,
          nodeUs: (cpu.user + cpu.system) / done,
        };
      };
      for (const c of contestants) await measure(c); // warm-up
      const results = await alternateRounds(contestants, rounds, measure);
      const ours = results.get(contestants[0]!)!;
      for (const c of contestants) {
        const r = results.get(c)!;
        const med = (pick: (x: Round) => number): string => formatNumber(summarize(r.map(pick)).median);
        rows.push([
          String(inflight),
          c.label,
          med((x) => x.perSec),
          c === contestants[0] ? '' : formatRatio(pairedRatio(ours.map((x) => x.perSec), r.map((x) => x.perSec))),
          med((x) => x.redisUs),
          med((x) => x.scriptUs),
          med((x) => x.calls),
          med((x) => x.nodeUs),
        ]);
      }
    }
    console.log(
      renderTable(
        [
          { header: 'in flight' },
          { header: 'engine', align: 'left' },
          { header: 'publications/s', align: 'right' },
          { header: 'zwire vs it', align: 'right' },
          { header: 'Redis CPU µs/pub', align: 'right' },
          { header: 'in scripts µs/pub', align: 'right' },
          { header: 'script calls/pub', align: 'right' },
          { header: 'node CPU µs/pub', align: 'right' },
        ],
        rows,
      ),
    );
  } finally {
    await Promise.all(engines.map((e) => e.close()));
    await admin.close();
    await redis.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

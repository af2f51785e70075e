// Soak of idle connections (issue #11): each server holds N idle connections,
// then goes through rounds of closing and reopening a part of them; after
// every round its memory per connection is read after a forced GC. A server
// that gives back what closed connections held stays flat across rounds and
// returns near its baseline once all are closed. See bench/README.md.
//   npm run bench -- soak                 10,000 connections, 10 rounds of 2,000 closed and reopened
//   npm run bench -- soak --quick         1,000 connections, 2 rounds of 200 (smoke run)
//   flags: --connections=N --churn=N --rounds=N --servers=zwire,ws
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  CLIENT_CPU,
  SERVER_CPU,
  busyWarning,
  describeEnvironment,
  formatBytes,
  parseFlags,
  renderTable,
  spawnServer,
  spawnWorker,
} from './lib/index.js';
import { SERVERS, isAvailable, type ServerDef } from './echo/servers.js';
import type { SoakProtocol } from './soak/protocol.js';

const flags = parseFlags();
const quick = flags.has('quick');
const connections = flags.number('connections', quick ? 1_000 : 10_000);
const churn = flags.number('churn', quick ? 200 : 2_000);
const rounds = flags.number('rounds', quick ? 2 : 10);
const wanted = flags.list('servers') ?? ['zwire', 'ws'];

/** One reading of a server's memory, relative to its baseline. */
interface Reading {
  label: string;
  open: number;
  rss: number;
  heap: number;
}

function shell(command: string): string {
  return spawnSync('sh', ['-c', command], { encoding: 'utf8' }).stdout.trim();
}

/**
 * Each side holds a descriptor per connection (plus churn in flight). When the
 * soft limit is too low but the hard one allows, this process runs itself
 * again under a raised limit, which the servers and the load generator inherit.
 * Returns false when the benchmark cannot run here.
 */
function ensureFdLimit(): boolean {
  const need = connections + churn + 1024;
  const soft = Number(shell('ulimit -n'));
  if (soft >= need) return true;
  const hardText = shell('ulimit -Hn');
  const hard = hardText === 'unlimited' ? Infinity : Number(hardText);
  if (hard < need || process.env.ZWIRE_SOAK_RAISED === '1') {
    console.log(`skipped: \`ulimit -n\` is ${soft} (hard ${hardText}); ${need} descriptors are needed (ulimit -n ${need})`);
    return false;
  }
  const self = fileURLToPath(import.meta.url);
  const child = spawn('sh', ['-c', `ulimit -n ${need} && exec "$@"`, 'sh', process.execPath, '--import', 'tsx', self, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, ZWIRE_SOAK_RAISED: '1' },
  });
  child.on('exit', (code) => process.exit(code ?? 1));
  return false;
}

async function soak(def: ServerDef): Promise<Reading[]> {
  const server = await spawnServer({ name: def.id, script: def.script, env: def.env, nodeArgs: ['--expose-gc'], cpu: SERVER_CPU });
  const load = spawnWorker<SoakProtocol>({ name: `soak-${def.id}`, script: 'bench/soak/load.ts', cpu: CLIENT_CPU });
  const readings: Reading[] = [];
  try {
    const base = await server.statsAfterGc();
    const read = async (label: string, open: number): Promise<void> => {
      const s = await server.statsAfterGc();
      readings.push({ label, open, rss: s.rss - base.rss, heap: s.heapUsed - base.heapUsed });
    };
    const target = { host: '127.0.0.1', port: server.port };
    let open = (await load.ipc.call('open', { ...target, count: connections }, 600_000)).open;
    await read(`${connections} open`, open);
    for (let r = 1; r <= rounds; r++) {
      await load.ipc.call('close', { count: churn }, 120_000);
      open = (await load.ipc.call('open', { ...target, count: churn }, 300_000)).open;
      await read(`round ${r}`, open);
    }
    open = (await load.ipc.call('close', { count: open }, 300_000)).open;
    await read('all closed', open);
  } finally {
    await load.stop();
    await server.stop();
  }
  return readings;
}

function perConn(bytes: number, open: number): string {
  return open === 0 ? `${formatBytes(bytes)} total` : formatBytes(bytes / open);
}

async function main(): Promise<void> {
  if (!ensureFdLimit()) return;
  console.log(`# soak: ${connections} idle connections, ${rounds} rounds of ${churn} closed and reopened${quick ? ' (--quick)' : ''}\n\n${describeEnvironment()}\n`);
  const defs = wanted.map((id) => SERVERS[id]).filter((def): def is ServerDef => def !== undefined && isAvailable(def));
  const results: [ServerDef, Reading[]][] = [];
  for (const def of defs) results.push([def, await soak(def)]);
  const labels = results[0]?.[1].map((r) => r.label) ?? [];
  const columns = [{ header: 'after', align: 'left' as const }];
  for (const [def] of results) columns.push({ header: `${def.id} RSS /conn`, align: 'left' }, { header: `${def.id} heap /conn`, align: 'left' });
  const rows = labels.map((label, i) => [
    label,
    ...results.flatMap(([, readings]) => [perConn(readings[i].rss, readings[i].open), perConn(readings[i].heap, readings[i].open)]),
  ]);
  console.log('Growth over each server\'s own baseline (a fresh process, forced GC), per open connection; "all closed" is the total left.\n');
  console.log(renderTable(columns, rows));
  for (const [def, readings] of results) {
    const first = readings[0];
    const last = readings[readings.length - 2];
    console.log(`\n${def.label}: heap per connection ${formatBytes(first.heap / first.open)} after opening, ${formatBytes(last.heap / last.open)} after the last round; ${formatBytes(readings[readings.length - 1].heap)} of heap left once all closed`);
  }
  const warning = busyWarning(2);
  if (warning) console.log(`\n${warning}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

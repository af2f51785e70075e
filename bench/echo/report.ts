import {
  formatBytes,
  formatNumber,
  formatRatio,
  formatSpread,
  median,
  pairedRatio,
  renderTable,
  summarize,
  type Column,
} from '../lib/index.js';
import type { IdleFigures, IdleRun } from './idle.js';
import type { Target, ThroughputScenario } from './scenarios.js';
import type { ServerRun } from './throughput.js';

const pick = (run: ServerRun | undefined, key: 'msgsPerSec' | 'serverCpuUsPerMsg' | 'gcPer100k'): number[] =>
  run ? run.rounds.map((r) => r[key]) : [];

/**
 * The scenario's table: one row per server. Ratios are medians of per-round
 * ratios; "(CPU)" ratios compare server CPU time per message (peer's / this
 * one's), which other load on the machine disturbs far less than msgs/s.
 */
export function throughputTable(sc: ThroughputScenario, runs: ServerRun[]): string {
  const byId = new Map(runs.map((r) => [r.def.id, r]));
  const peers = [...sc.baselines, 'raw'].filter((id) => byId.has(id));
  const header = (id: string, cpu: boolean): string => `${id === 'raw' ? 'of raw' : `vs ${id}`}${cpu ? ' (CPU)' : ''}`;
  const right = (h: string): Column => ({ header: h, align: 'right' });
  const columns: Column[] = [
    { header: 'server', align: 'left' },
    right('msgs/s'),
    right('spread'),
    ...peers.map((id) => right(header(id, false))),
    right('server CPU µs/msg'),
    ...peers.map((id) => right(header(id, true))),
    right('GC runs /100k msgs'),
    right('server busy'),
    right('load gen busy'),
  ];
  const rows = runs.map((run) => {
    const rate = summarize(pick(run, 'msgsPerSec'));
    const cpu = pick(run, 'serverCpuUsPerMsg');
    return [
      run.error ? `${run.def.label} (FAILED)` : run.def.label,
      formatNumber(rate.median),
      formatSpread(rate.spread),
      ...peers.map((id) => formatRatio(pairedRatio(pick(run, 'msgsPerSec'), pick(byId.get(id), 'msgsPerSec')))),
      formatNumber(median(cpu)),
      ...peers.map((id) => formatRatio(pairedRatio(pick(byId.get(id), 'serverCpuUsPerMsg'), cpu))),
      formatNumber(median(pick(run, 'gcPer100k'))),
      `${Math.round(median(run.rounds.map((r) => r.serverBusy)) * 100)}%`,
      `${Math.round(median(run.rounds.map((r) => r.clientBusy)) * 100)}%`,
    ];
  });
  return renderTable(columns, rows);
}

function targetLine(t: Target, ours: ServerRun | undefined, peer: ServerRun | undefined): string {
  if (!ours || !peer) return `- target vs ${t.vs}: not measured`;
  if (t.metric === 'msgs/s') {
    const ratio = pairedRatio(pick(ours, 'msgsPerSec'), pick(peer, 'msgsPerSec'));
    const cpu = pairedRatio(pick(peer, 'serverCpuUsPerMsg'), pick(ours, 'serverCpuUsPerMsg'));
    const verdict = (r: number): string => (!Number.isFinite(r) ? 'n/a' : r >= t.bound ? 'met' : 'NOT MET');
    return (
      `- vs ${peer.def.label} (target ≥ ${t.bound}×): msgs/s ${formatRatio(ratio)} ${verdict(ratio)}; ` +
      `server CPU per message ${formatRatio(cpu)} less than ${peer.def.id} ${verdict(cpu)}`
    );
  }
  const ratio = median(pick(ours, 'gcPer100k')) / median(pick(peer, 'gcPer100k'));
  const verdict = !Number.isFinite(ratio) ? 'n/a' : ratio <= t.bound ? 'met' : 'NOT MET';
  return `- GC runs per message vs ${peer.def.label} (target ≤ ${t.bound}×): ${formatRatio(ratio)} ${verdict}`;
}

/** Target verdicts and errors under a scenario's table. */
export function throughputNotes(sc: ThroughputScenario, runs: ServerRun[]): string {
  const byId = new Map(runs.map((r) => [r.def.id, r]));
  const lines = sc.targets.map((t) => targetLine(t, byId.get('zwire'), byId.get(t.vs)));
  for (const run of runs) if (run.error) lines.push(`- ${run.def.label} failed: ${run.error}`);
  return lines.join('\n');
}

/**
 * The idle-memory table and its verdicts: RSS right after the connections came
 * (forced GC, young generation still grown) and once they sat idle until V8's
 * memory reducer ran (what a server holding idle connections settles at),
 * and the whole process's RSS over the connections (start-up memory included,
 * which is how a quick `ps` reading per connection comes out).
 */
export function idleReport(runs: IdleRun[], boundVsRaw: number): string {
  const med = (run: IdleRun | undefined, pick: (f: IdleFigures) => number): number => (run ? median(run.rounds.map(pick)) : NaN);
  const raw = runs.find((r) => r.def.id === 'raw');
  const rawRss = med(raw, (f) => f.rssPerConn);
  const rawSettled = med(raw, (f) => f.settledRssPerConn);
  const rawProcess = med(raw, (f) => f.processRssPerConn);
  const table = renderTable(
    [
      { header: 'server', align: 'left' },
      { header: 'RSS /conn', align: 'right' },
      { header: 'young gen /conn', align: 'right' },
      { header: 'heap /conn', align: 'right' },
      { header: 'external /conn', align: 'right' },
      { header: 'RSS vs raw', align: 'right' },
      { header: 'RSS /conn, idle', align: 'right' },
      { header: 'idle vs raw', align: 'right' },
      { header: 'idle wait', align: 'right' },
      { header: 'process RSS /conn', align: 'right' },
      { header: 'process vs raw', align: 'right' },
    ],
    runs.map((run) => [
      run.error ? `${run.def.label} (FAILED)` : run.def.label,
      formatBytes(med(run, (f) => f.rssPerConn)),
      formatBytes(med(run, (f) => f.youngPerConn)),
      formatBytes(med(run, (f) => f.heapPerConn)),
      formatBytes(med(run, (f) => f.externalPerConn)),
      formatRatio(med(run, (f) => f.rssPerConn) / rawRss),
      formatBytes(med(run, (f) => f.settledRssPerConn)),
      formatRatio(med(run, (f) => f.settledRssPerConn) / rawSettled),
      `${(med(run, (f) => f.settleMs) / 1000).toFixed(1)} s`,
      formatBytes(med(run, (f) => f.processRssPerConn)),
      formatRatio(med(run, (f) => f.processRssPerConn) / rawProcess),
    ]),
  );
  const ours = runs.find((r) => r.def.id === 'zwire');
  const lines: string[] = [];
  if (ours) {
    const verdict = (ratio: number): string => (!Number.isFinite(ratio) ? 'n/a' : ratio <= boundVsRaw ? 'met' : 'NOT MET');
    const now = med(ours, (f) => f.rssPerConn) / rawRss;
    const idle = med(ours, (f) => f.settledRssPerConn) / rawSettled;
    const whole = med(ours, (f) => f.processRssPerConn) / rawProcess;
    lines.push(
      `- RSS per idle connection vs raw socket (target ≤ ${boundVsRaw}×): growth ${formatRatio(now)} ${verdict(now)} right after connecting, ` +
        `${formatRatio(idle)} ${verdict(idle)} once idle; process RSS / connections ${formatRatio(whole)} ${verdict(whole)}`,
    );
  }
  for (const run of runs) if (run.error) lines.push(`- ${run.def.label} failed: ${run.error}`);
  for (const run of runs) if (run.heapGrowth) lines.push('', `V8 heap growth per connection, ${run.def.label}:`, '', run.heapGrowth);
  return [table, '', ...lines].join('\n');
}

import { formatBytes, formatNumber, formatRatio, formatSpread, median, pairedRatio, renderTable, summarize } from '../lib/index.js';
import type { IdleRun } from './idle.js';
import type { Target, ThroughputScenario } from './scenarios.js';
import type { ServerRun } from './throughput.js';

const pick = (run: ServerRun | undefined, key: 'msgsPerSec' | 'serverCpuUsPerMsg' | 'gcPer100k'): number[] =>
  run ? run.rounds.map((r) => r[key]) : [];

/** The scenario's table: one row per server, ratios of msgs/s as medians of per-round ratios. */
export function throughputTable(sc: ThroughputScenario, runs: ServerRun[]): string {
  const byId = new Map(runs.map((r) => [r.def.id, r]));
  const ratioColumns = [...sc.baselines, 'raw'].filter((id) => byId.has(id));
  const columns = [
    { header: 'server', align: 'left' as const },
    { header: 'msgs/s', align: 'right' as const },
    { header: 'spread', align: 'right' as const },
    { header: 'server CPU µs/msg', align: 'right' as const },
    { header: 'GC runs /100k msgs', align: 'right' as const },
    ...ratioColumns.map((id) => ({ header: id === 'raw' ? 'of raw' : `vs ${id}`, align: 'right' as const })),
    { header: 'load gen busy', align: 'right' as const },
  ];
  const rows = runs.map((run) => {
    const rate = summarize(pick(run, 'msgsPerSec'));
    return [
      run.error ? `${run.def.label} (FAILED)` : run.def.label,
      formatNumber(rate.median),
      formatSpread(rate.spread),
      formatNumber(median(pick(run, 'serverCpuUsPerMsg'))),
      formatNumber(median(pick(run, 'gcPer100k'))),
      ...ratioColumns.map((id) => formatRatio(pairedRatio(pick(run, 'msgsPerSec'), pick(byId.get(id), 'msgsPerSec')))),
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
    const verdict = !Number.isFinite(ratio) ? 'n/a' : ratio >= t.bound ? 'MET' : 'NOT MET';
    return `- msgs/s vs ${peer.def.label}: ${formatRatio(ratio)} (target ≥ ${t.bound}×) ${verdict}; server CPU per message: ${peer.def.id} spends ${formatRatio(cpu)} of ours`;
  }
  const ratio = median(pick(ours, 'gcPer100k')) / median(pick(peer, 'gcPer100k'));
  const verdict = !Number.isFinite(ratio) ? 'n/a' : ratio <= t.bound ? 'MET' : 'NOT MET';
  return `- GC runs per message vs ${peer.def.label}: ${formatRatio(ratio)} (target ≤ ${t.bound}×) ${verdict}`;
}

/** Target verdicts and errors under a scenario's table. */
export function throughputNotes(sc: ThroughputScenario, runs: ServerRun[]): string {
  const byId = new Map(runs.map((r) => [r.def.id, r]));
  const lines = sc.targets.map((t) => targetLine(t, byId.get('zwire'), byId.get(t.vs)));
  for (const run of runs) if (run.error) lines.push(`- ${run.def.label} failed: ${run.error}`);
  return lines.join('\n');
}

/** The idle-memory table and its verdict. */
export function idleReport(runs: IdleRun[], boundVsRaw: number): string {
  const raw = runs.find((r) => r.def.id === 'raw');
  const rawRss = raw ? median(raw.rounds.map((r) => r.rssPerConn)) : NaN;
  const table = renderTable(
    [
      { header: 'server', align: 'left' },
      { header: 'RSS /conn', align: 'right' },
      { header: 'heap /conn', align: 'right' },
      { header: 'external /conn', align: 'right' },
      { header: 'RSS vs raw', align: 'right' },
    ],
    runs.map((run) => {
      const rss = median(run.rounds.map((r) => r.rssPerConn));
      return [
        run.error ? `${run.def.label} (FAILED)` : run.def.label,
        formatBytes(rss),
        formatBytes(median(run.rounds.map((r) => r.heapPerConn))),
        formatBytes(median(run.rounds.map((r) => r.externalPerConn))),
        formatRatio(rss / rawRss),
      ];
    }),
  );
  const ours = runs.find((r) => r.def.id === 'zwire');
  const lines: string[] = [];
  if (ours) {
    const ratio = median(ours.rounds.map((r) => r.rssPerConn)) / rawRss;
    const verdict = !Number.isFinite(ratio) ? 'n/a' : ratio <= boundVsRaw ? 'MET' : 'NOT MET';
    lines.push(`- RSS per idle connection vs raw socket: ${formatRatio(ratio)} (target ≤ ${boundVsRaw}×) ${verdict}`);
  }
  for (const run of runs) if (run.error) lines.push(`- ${run.def.label} failed: ${run.error}`);
  return [table, ...lines].join('\n');
}

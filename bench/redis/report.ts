import { formatNumber, formatRatio, formatSpread, pairedRatio, renderTable, summarize, type Column } from '../lib/index.js';
import type { ClusterRound, ClusterRun } from './run.js';

const right = (header: string): Column => ({ header, align: 'right' });
const med = (run: ClusterRun, pick: (r: ClusterRound) => number): number => summarize(run.rounds.map(pick)).median;
const percent = (value: number): string => (Number.isFinite(value) ? `${Math.round(value * 100)}%` : 'n/a');

/** One row per contestant: deliveries/s with spread and ratio to Socket.IO, latency percentiles, CPU of nodes and Redis. */
export function clusterTable(runs: ClusterRun[]): string {
  const sio = runs.find((r) => r.def.id === 'socketio' && !r.error);
  const columns: Column[] = [
    { header: 'contestant', align: 'left' },
    right('deliveries/s'),
    right('spread'),
    right('vs Socket.IO'),
    right('p50 ms'),
    right('p99 ms'),
    right('nodes CPU µs/delivery'),
    right('Redis CPU µs/publication'),
    right('nodes busy'),
    right('Redis busy'),
    right('load gen busy'),
  ];
  const rows = runs.map((run) => {
    if (run.error) return [run.def.label, `failed: ${run.error.split('\n')[0]!.slice(0, 80)}`];
    const rate = run.rounds.map((r) => r.deliveriesPerSec);
    const s = summarize(rate);
    return [
      run.def.label,
      formatNumber(s.median),
      formatSpread(s.spread),
      formatRatio(sio ? pairedRatio(rate, sio.rounds.map((r) => r.deliveriesPerSec)) : NaN),
      formatNumber(med(run, (r) => r.p50Ms)),
      formatNumber(med(run, (r) => r.p99Ms)),
      formatNumber(med(run, (r) => r.nodesCpuUsPerDelivery)),
      formatNumber(med(run, (r) => r.redisCpuUsPerPublication)),
      percent(med(run, (r) => r.nodesBusy)),
      percent(med(run, (r) => r.redisBusy)),
      percent(med(run, (r) => r.clientBusy)),
    ];
  });
  return renderTable(columns, rows);
}

/** Whether zwire met the target: at least 2x Socket.IO's deliveries per second at a lower p99. */
export function targetLine(runs: ClusterRun[]): string {
  const zwire = runs.find((r) => r.def.id === 'zwire' && !r.error);
  const sio = runs.find((r) => r.def.id === 'socketio' && !r.error);
  if (!zwire || !sio) return 'target (zwire >= 2x Socket.IO deliveries/s at a lower p99): not measured (zwire or Socket.IO missing)';
  const ratio = pairedRatio(zwire.rounds.map((r) => r.deliveriesPerSec), sio.rounds.map((r) => r.deliveriesPerSec));
  const p99 = [med(zwire, (r) => r.p99Ms), med(sio, (r) => r.p99Ms)];
  const met = ratio >= 2 && p99[0]! < p99[1]!;
  return `target zwire >= 2x Socket.IO deliveries/s at a lower p99: ${formatRatio(ratio)}, p99 ${formatNumber(p99[0]!)} vs ${formatNumber(p99[1]!)} ms: ${met ? 'met' : 'NOT met'}`;
}

/** zwire against another checkout's zwire (`--baseline`): paired ratio of deliveries/s, and p50/p99 of both. */
export function baselineLine(runs: ClusterRun[]): string {
  const zwire = runs.find((r) => r.def.id === 'zwire' && !r.error);
  const base = runs.find((r) => r.def.id === 'baseline' && !r.error);
  if (!zwire || !base) return 'zwire vs baseline: not measured (zwire or the baseline missing or failed)';
  const ratio = pairedRatio(zwire.rounds.map((r) => r.deliveriesPerSec), base.rounds.map((r) => r.deliveriesPerSec));
  const p = (run: ClusterRun, pick: (r: ClusterRound) => number): string => formatNumber(med(run, pick));
  return (
    `zwire vs baseline: ${formatRatio(ratio)} deliveries/s; p50 ${p(zwire, (r) => r.p50Ms)} vs ${p(base, (r) => r.p50Ms)} ms, ` +
    `p99 ${p(zwire, (r) => r.p99Ms)} vs ${p(base, (r) => r.p99Ms)} ms; Redis CPU µs/publication ` +
    `${p(zwire, (r) => r.redisCpuUsPerPublication)} vs ${p(base, (r) => r.redisCpuUsPerPublication)}`
  );
}

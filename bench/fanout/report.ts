import { formatNumber, formatRatio, formatSpread, pairedRatio, renderTable, summarize, type Column } from '../lib/index.js';
import type { FanoutRun } from './run.js';
import type { FanoutScenario } from './scenarios.js';

const right = (header: string): Column => ({ header, align: 'right' });

/** One row per server: deliveries/s (median, spread), ratio to Bun (median of per-round ratios), CPU per delivery. */
export function fanoutTable(runs: FanoutRun[]): string {
  const bun = runs.find((r) => r.def.id === 'bun' && !r.error);
  const columns: Column[] = [
    { header: 'server', align: 'left' },
    right('deliveries/s'),
    right('spread'),
    right('vs Bun'),
    right('server CPU µs/delivery'),
    right('vs Bun (CPU)'),
    right('server busy'),
    right('load gen busy'),
  ];
  const rows = runs.map((run) => {
    if (run.error) return [run.def.label, `failed: ${run.error.split('\n')[0].slice(0, 80)}`];
    const rate = run.rounds.map((r) => r.deliveriesPerSec);
    const cpu = run.rounds.map((r) => r.serverCpuUsPerDelivery);
    const s = summarize(rate);
    const vsBun = bun ? pairedRatio(rate, bun.rounds.map((r) => r.deliveriesPerSec)) : NaN;
    const vsBunCpu = bun ? pairedRatio(bun.rounds.map((r) => r.serverCpuUsPerDelivery), cpu) : NaN;
    return [
      run.def.label,
      formatNumber(s.median),
      formatSpread(s.spread),
      formatRatio(vsBun),
      formatNumber(summarize(cpu).median),
      formatRatio(vsBunCpu),
      `${Math.round(summarize(run.rounds.map((r) => r.serverBusy)).median * 100)}%`,
      `${Math.round(summarize(run.rounds.map((r) => r.clientBusy)).median * 100)}%`,
    ];
  });
  return renderTable(columns, rows);
}

/** Whether zwire met the ratio to Bun in this scenario. */
export function targetLine(sc: FanoutScenario, runs: FanoutRun[]): string {
  const zwire = runs.find((r) => r.def.id === 'zwire' && !r.error);
  const bun = runs.find((r) => r.def.id === 'bun' && !r.error);
  if (!zwire || !bun) return `target (zwire >= ${sc.targetVsBun}x Bun): not measured (zwire or Bun missing)`;
  const ratio = pairedRatio(zwire.rounds.map((r) => r.deliveriesPerSec), bun.rounds.map((r) => r.deliveriesPerSec));
  return `target zwire >= ${sc.targetVsBun}x Bun deliveries/s: ${formatRatio(ratio)} ${ratio >= sc.targetVsBun ? 'met' : 'NOT met'}`;
}

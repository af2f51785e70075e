import { formatNumber, formatRatio, formatSpread, pairedRatio, renderTable, summarize, type Column } from '../lib/index.js';
import type { FanoutRun } from './run.js';
import type { FanoutScenario } from './scenarios.js';

const right = (header: string): Column => ({ header, align: 'right' });

const rates = (run: FanoutRun): number[] => run.rounds.map((r) => r.deliveriesPerSec);
const cpus = (run: FanoutRun): number[] => run.rounds.map((r) => r.serverCpuUsPerDelivery);
const ok = (runs: FanoutRun[], id: string): FanoutRun | undefined => runs.find((r) => r.def.id === id && !r.error);

/** Ours against the other checkout's run of the same server (--baseline): deliveries/s and CPU per delivery, paired per round. */
function baselineCells(run: FanoutRun, runs: FanoutRun[]): string[] {
  const twin = runs.find((r) => r.def.baselineOf === run.def.id && !r.error);
  if (twin === undefined) return ['', ''];
  return [formatRatio(pairedRatio(rates(run), rates(twin))), formatRatio(pairedRatio(cpus(twin), cpus(run)))];
}

/**
 * One row per server: deliveries/s (median, spread), ratio to Bun (median of
 * per-round ratios), CPU per delivery; with --baseline, our zwire rows
 * against the other checkout's.
 */
export function fanoutTable(runs: FanoutRun[]): string {
  const bun = runs.find((r) => r.def.id === 'bun' && !r.error);
  const withBaseline = runs.some((r) => r.def.baselineOf !== undefined);
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
  if (withBaseline) columns.push(right('vs baseline'), right('vs baseline (CPU)'));
  const rows = runs.map((run) => {
    if (run.error) return [run.def.label, `failed: ${run.error.split('\n')[0].slice(0, 80)}`];
    const rate = rates(run);
    const cpu = cpus(run);
    const s = summarize(rate);
    const vsBun = bun ? pairedRatio(rate, rates(bun)) : NaN;
    const vsBunCpu = bun ? pairedRatio(cpus(bun), cpu) : NaN;
    const row = [
      run.def.label,
      formatNumber(s.median),
      formatSpread(s.spread),
      formatRatio(vsBun),
      formatNumber(summarize(cpu).median),
      formatRatio(vsBunCpu),
      `${Math.round(summarize(run.rounds.map((r) => r.serverBusy)).median * 100)}%`,
      `${Math.round(summarize(run.rounds.map((r) => r.clientBusy)).median * 100)}%`,
    ];
    if (withBaseline) row.push(...baselineCells(run, runs));
    return row;
  });
  return renderTable(columns, rows);
}

/** The target for the typed RPC topics: at least this ratio of the message layer's deliveries/s. */
export const RPC_TARGET = 0.5;

/** Typed RPC topics against the message-layer topics of the same checkout (ours, and the baseline's when run). */
export function rpcLines(runs: FanoutRun[]): string {
  const lines: string[] = [];
  for (const [rpcId, msgId, who] of [
    ['zwire-rpc', 'zwire', 'zwire'],
    ['baseline-zwire-rpc', 'baseline-zwire', 'baseline'],
  ] as const) {
    const rpc = ok(runs, rpcId);
    const msg = ok(runs, msgId);
    if (rpc === undefined || msg === undefined) continue;
    const ratio = pairedRatio(rates(rpc), rates(msg));
    const cpu = pairedRatio(cpus(msg), cpus(rpc));
    const verdict = ratio >= RPC_TARGET ? 'met' : 'NOT met';
    lines.push(`${who}: typed RPC topics >= ${RPC_TARGET}x the message layer's deliveries/s: ${formatRatio(ratio)} ${verdict} (CPU per delivery ${formatRatio(cpu)})`);
  }
  return lines.join('\n');
}

/** Whether zwire met the ratio to Bun in this scenario. */
export function targetLine(sc: FanoutScenario, runs: FanoutRun[]): string {
  const zwire = runs.find((r) => r.def.id === 'zwire' && !r.error);
  const bun = runs.find((r) => r.def.id === 'bun' && !r.error);
  if (!zwire || !bun) return `target (zwire >= ${sc.targetVsBun}x Bun): not measured (zwire or Bun missing)`;
  const ratio = pairedRatio(zwire.rounds.map((r) => r.deliveriesPerSec), bun.rounds.map((r) => r.deliveriesPerSec));
  return `target zwire >= ${sc.targetVsBun}x Bun deliveries/s: ${formatRatio(ratio)} ${ratio >= sc.targetVsBun ? 'met' : 'NOT met'}`;
}

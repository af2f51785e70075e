import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './process.js';
import { renderTable } from './table.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one function in a CPU profile. */
export interface SelfTime {
  name: string;
  /** Share of the profile's non-idle samples, 0..1. */
  share: number;
  ms: number;
}

function location(frame: CallFrame): string {
  if (!frame.url) return '';
  const path = frame.url.startsWith('file://') ? relative(ROOT, fileURLToPath(frame.url)) : frame.url;
  return `${path}:${frame.lineNumber + 1}`;
}

/**
 * Top functions by self time in a `.cpuprofile` (ServerProcess.stopProfile or `node --cpu-prof`),
 * grouped by function name and location; "(idle)" is left out of the shares.
 */
export async function topSelfTime(profilePath: string, limit = 25): Promise<SelfTime[]> {
  const profile = JSON.parse(await readFile(profilePath, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  let busy = 0;
  // timeDeltas[i] is the time from sample i-1 to sample i; charge it to sample i-1.
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (!node || node.callFrame.functionName === '(idle)') continue;
    const key = `${node.callFrame.functionName || '(anonymous)'} ${location(node.callFrame)}`.trim();
    totals.set(key, (totals.get(key) ?? 0) + dt);
    busy += dt;
  }
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, share: busy > 0 ? us / busy : 0, ms: us / 1000 }));
}

/** Markdown table of topSelfTime() results. */
export function renderSelfTime(rows: readonly SelfTime[]): string {
  return renderTable(
    [{ header: 'self %', align: 'right' }, { header: 'self ms', align: 'right' }, { header: 'function', align: 'left' }],
    rows.map((r) => [(r.share * 100).toFixed(1), r.ms.toFixed(0), r.name]),
  );
}

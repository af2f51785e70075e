import { availableParallelism, cpus, loadavg } from 'node:os';
import { pinningNote } from './pin.js';

/** One line on the machine and its current load, printed with every benchmark's results. */
export function describeEnvironment(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  return `node ${process.version}, ${availableParallelism()} × ${model}, load average ${load}; ${pinningNote()}`;
}

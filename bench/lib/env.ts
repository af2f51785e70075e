import { availableParallelism, cpus, loadavg } from 'node:os';
import { pinningNote } from './pin.js';

/** One line on the machine and its current load, printed with every benchmark's results. */
export function describeEnvironment(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  return `node ${process.version}, ${availableParallelism()} × ${model}, load average ${load}; ${pinningNote()}`;
}

/**
 * A warning when the one-minute load average exceeded the CPU count plus the
 * `ownProcesses` this benchmark keeps busy itself (a server and a load
 * generator count 2), or null.
 */
export function busyWarning(ownProcesses = 0): string | null {
  const [oneMinute] = loadavg();
  const cpus = availableParallelism();
  return oneMinute > cpus + ownProcesses
    ? `WARNING: load average ${oneMinute.toFixed(1)} on ${cpus} CPUs with ${ownProcesses} busy processes of our own: other processes competed with this run; msgs/s are unreliable, compare the CPU columns.`
    : null;
}

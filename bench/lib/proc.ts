import { readFileSync } from 'node:fs';

/** Linux's clock tick (USER_HZ), 100 on every mainstream build. */
const TICK_US = 1e6 / 100;

/**
 * User + system CPU time of a whole process so far (all threads), µs, from
 * `/proc/<pid>/stat`; NaN where there is none. Works for any process (Bun,
 * redis-server), not only those carrying the probe.
 */
export function procCpuUs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the command name (which may hold spaces) start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return Number.NaN;
  }
}

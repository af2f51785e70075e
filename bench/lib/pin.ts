import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, join } from 'node:path';

function findOnPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

const taskset = process.env.BENCH_NO_PIN === '1' ? null : findOnPath('taskset');

/** Whether processes can be pinned to a CPU (taskset found, more than one CPU, BENCH_NO_PIN unset). */
export const canPin = taskset !== null && availableParallelism() > 1;

/** CPU for server processes: they get a core to themselves. */
export const SERVER_CPU = 0;
/** CPU for load generators and clients. */
export const CLIENT_CPU = 1;

/**
 * The command line to run `argv` pinned to `cpu` (all threads: taskset sets
 * the affinity before exec, so V8's and libuv's threads inherit it).
 * Unchanged when pinning is unavailable or `cpu` is undefined.
 */
export function pinned(argv: readonly string[], cpu: number | undefined): string[] {
  if (!canPin || cpu === undefined || taskset === null) return [...argv];
  return [taskset, '-c', String(cpu % availableParallelism()), ...argv];
}

/** One line describing the pinning in effect, for reports. */
export function pinningNote(): string {
  return canPin
    ? `servers pinned to CPU ${SERVER_CPU}, load generators to CPU ${CLIENT_CPU} (taskset -c)`
    : 'no CPU pinning (taskset unavailable, a single CPU, or BENCH_NO_PIN=1)';
}

// Injected into server processes with `node --import <this file>` (see
// process.ts) so that every server, ours and the peers, is measured by the
// same code without any benchmark hooks in the server sources.
import { GCProfiler, getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { serveIpc } from './ipc.js';
import { startProfile, stopProfile } from './profiler.js';

/** Counters a server process reports over IPC. Times in microseconds, sizes in bytes. */
export interface ProbeStats {
  cpuUserUs: number;
  cpuSystemUs: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** GC runs since the process started (v8.GCProfiler). */
  gcCount: number;
  gcMs: number;
  /** Resident bytes of each V8 heap space, by space name. */
  spaces: Record<string, number>;
}

/**
 * Requests a probed server answers. `gc` needs --expose-gc and reports whether
 * it ran. `profileStart` samples the main thread (argument: interval in µs);
 * `profileStop` writes the .cpuprofile, positions mapped to the TypeScript
 * sources, to the given path and returns it. `heapSnapshot` writes a
 * .heapsnapshot to the given path and returns it.
 */
export type ProbeProtocol = {
  stats: { arg: null; result: ProbeStats };
  gc: { arg: null; result: boolean };
  profileStart: { arg: number; result: null };
  profileStop: { arg: string; result: string };
  heapSnapshot: { arg: string; result: string };
};

// GC runs are counted with v8.GCProfiler rather than a PerformanceObserver for
// 'gc' entries: with that observer installed, our echo server ran 25-40 % more
// GCs and up to 1.5x the CPU per 64 KiB message (checked against --trace-gc and
// /proc/<pid>/stat), while GCProfiler left both unchanged.
let gcCount = 0;
let gcMs = 0;
let gcProfiler = new GCProfiler();
gcProfiler.start();

/** Fold the GCs recorded so far into the totals and start recording afresh. */
function harvestGc(): void {
  const { statistics } = gcProfiler.stop();
  gcProfiler = new GCProfiler();
  gcProfiler.start();
  gcCount += statistics.length;
  for (const gc of statistics) gcMs += gc.cost / 1000;
}
// The profiler keeps every GC's heap statistics until stopped; bound that.
setInterval(harvestGc, 10_000).unref();

function stats(): ProbeStats {
  harvestGc();
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return {
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    external: mem.external,
    arrayBuffers: mem.arrayBuffers,
    gcCount,
    gcMs,
    spaces: Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, space.physical_space_size])),
  };
}

async function collect(): Promise<boolean> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  // Twice, with a turn of the event loop between, so objects freed by
  // finalizers and weak callbacks of the first pass go in the second.
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return true;
}

if (process.send) {
  serveIpc<ProbeProtocol>(
    { stats, gc: collect, profileStart: startProfile, profileStop: stopProfile, heapSnapshot: (path) => writeHeapSnapshot(path) },
    { unref: true },
  );
}

// Injected into server processes with `node --import <this file>` (see
// process.ts) so that every server, ours and the peers, is measured by the
// same code without any benchmark hooks in the server sources.
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
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
  /** GC runs since the process started (PerformanceObserver 'gc' entries). */
  gcCount: number;
  gcMs: number;
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

let gcCount = 0;
let gcMs = 0;
const tally = (entries: readonly PerformanceEntry[]): void => {
  for (const entry of entries) {
    gcCount++;
    gcMs += entry.duration;
  }
};
const observer = new PerformanceObserver((list) => tally(list.getEntries()));
observer.observe({ entryTypes: ['gc'] });

function stats(): ProbeStats {
  // Entries are delivered asynchronously; take the ones still queued so a
  // reading right after a round includes that round's collections.
  tally(observer.takeRecords());
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

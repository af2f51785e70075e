/**
 * Shared benchmark toolkit (bench/lib). Every benchmark is a script
 * bench/<name>.ts run by `npm run bench -- <name> [--flags]` (bench/run.ts);
 * it starts our code and the peers side by side in one run and prints ratios.
 *
 * Processes
 * - spawnServer({ name, script, env, nodeArgs, cpu }) runs `node --import tsx
 *   [--import bench/lib/probe.ts] <script>` with PORT=0 and HOST=127.0.0.1 and
 *   waits for the line `listening <port>` on stdout (the examples' convention).
 *   The injected probe lets the parent ask, over IPC, for cumulative CPU time
 *   (process.cpuUsage), memory (process.memoryUsage) and GC runs
 *   (v8.GCProfiler; a 'gc' PerformanceObserver disturbs what it measures):
 *   `await server.stats()`, and for a full GC: `await server.gc()` (start
 *   it with nodeArgs ['--expose-gc']; `await server.statsAfterGc()` reads
 *   the counters after two of them, for memory figures). Diff two
 *   stats() readings around a round to get the server's CPU for that round.
 *   `await server.startProfile()` / `await server.stopProfile(path)` take a
 *   CPU profile from inside the server (just the span you choose, positions
 *   mapped back to the .ts sources) and write it as a .cpuprofile file.
 *   `await server.heapSnapshot(path)` writes a .heapsnapshot; heapByConstructor()
 *   and renderHeapGrowth() show what grew between two of them.
 *   `await server.stop()` sends SIGTERM (then SIGKILL) and returns the exit code.
 *   waitListening(child, name) does the waiting for a server started otherwise
 *   (e.g. by another runtime).
 * - spawnWorker<P>({ name, script, cpu }) runs a helper process (a load
 *   generator or client) that answers typed requests: the child calls
 *   serveIpc<P>({ run: async (arg) => result }), the parent
 *   `await worker.ipc.call('run', arg)`. P maps request types to
 *   { arg; result } (see ProbeProtocol for an example).
 * - procCpuUs(pid) reads any process's CPU time from /proc (servers without
 *   the probe: Bun, redis-server).
 * - Pinning: pass cpu: SERVER_CPU for servers and CLIENT_CPU for load
 *   generators; they are started under `taskset -c <cpu>` when taskset exists
 *   and the machine has more than one CPU (BENCH_NO_PIN=1 disables it).
 *
 * Measuring and reporting
 * - alternateRounds(contestants, rounds, measure) rotates the order each round.
 * - median, summarize (median/min/max/spread), pairedRatio (median of per-round
 *   ratios, robust to drift on a shared machine).
 * - renderTable(columns, rows) prints Markdown; formatNumber, formatRatio,
 *   formatSpread, formatBytes format cells.
 * - describeEnvironment() gives the node version, CPUs, load average and pinning;
 *   busyWarning() a line to print when the load average exceeds the CPU count.
 * - endSockets(sockets) ends load-generator sockets gracefully (destroying
 *   stragglers); runWsPeer(server) gives a `ws` peer server the spawnServer
 *   conventions (`listening <port>`, exit 0 on SIGTERM/SIGINT).
 * - parseFlags() reads `--quick`, `--rounds=5`, `--only=a,b` style flags.
 * - topSelfTime(path) / renderSelfTime(rows) list the top functions by self time
 *   of a .cpuprofile (from stopProfile or `node --cpu-prof`).
 */
export { parseFlags, type Flags } from './args.js';
export { busyWarning, describeEnvironment } from './env.js';
export { heapByConstructor, renderHeapGrowth, type HeapGroup } from './heap.js';
export { IpcClient, IpcError, serveIpc, type Handlers, type Protocol } from './ipc.js';
export { CLIENT_CPU, SERVER_CPU, canPin, pinned, pinningNote } from './pin.js';
export { endSockets, runWsPeer } from './sockets.js';
export type { ProbeProtocol, ProbeStats } from './probe.js';
export { ROOT, ServerProcess, Worker, spawnServer, spawnWorker, stopChild, waitListening, type SpawnOptions } from './process.js';
export { procCpuUs } from './proc.js';
export { renderSelfTime, topSelfTime, type SelfTime } from './profile.js';
export { alternateRounds } from './rounds.js';
export { median, pairedRatio, summarize, type Summary } from './stats.js';
export { formatBytes, formatNumber, formatRatio, formatSpread, renderTable, type Column } from './table.js';

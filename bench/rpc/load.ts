// Load generator process for bench/rpc.ts: holds one system's clients and
// runs timed rounds on request. Pinned to its own CPU by the parent.
import { performance } from 'node:perf_hooks';
import { serveIpc } from '../lib/index.js';
import { openClient, type BenchClient } from './clients.js';
import type { LoadProtocol, StreamResult, UnaryArgs, UnaryResult } from './protocol.js';

let clients: BenchClient[] = [];

function cpuUs(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function unary({ inflight, ms, latency }: UnaryArgs): Promise<UnaryResult> {
  let running = true;
  let inWindow = 0;
  let total = 0;
  const samples: number[] = [];
  const cpu0 = cpuUs();
  const t0 = performance.now();
  const loop = async (c: BenchClient): Promise<void> => {
    while (running) {
      if (latency) {
        const s = performance.now();
        await c.greet('Ada');
        samples.push(performance.now() - s);
      } else await c.greet('Ada');
      total++;
      if (running) inWindow++;
    }
  };
  const loops: Promise<void>[] = [];
  for (const c of clients) for (let i = 0; i < inflight; i++) loops.push(loop(c));
  await new Promise((r) => setTimeout(r, ms));
  running = false;
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(loops);
  const clientCpuUs = cpuUs() - cpu0;
  const sorted = Float64Array.from(samples).sort();
  return { calls: inWindow, total, seconds, clientCpuUs, p50Us: percentile(sorted, 0.5) * 1000, p99Us: percentile(sorted, 0.99) * 1000 };
}

async function stream({ ms }: { ms: number }): Promise<StreamResult> {
  const counts = clients.map(() => 0);
  let counting = true;
  const cpu0 = cpuUs();
  const t0 = performance.now();
  const handles = clients.map((c, i) => {
    if (c.stream === undefined) throw new Error('this system has no streams');
    return c.stream(() => {
      if (counting) counts[i]++;
    });
  });
  await new Promise((r) => setTimeout(r, ms));
  counting = false;
  const seconds = (performance.now() - t0) / 1000;
  for (const h of handles) h.stop();
  const clientCpuUs = cpuUs() - cpu0;
  await new Promise((r) => setTimeout(r, 100));
  return { perStream: counts, seconds, clientCpuUs };
}

let slow: { handles: { stop(): void }[]; items: number; t0: number } | null = null;

function slowStart(): null {
  const state = { handles: [] as { stop(): void }[], items: 0, t0: performance.now() };
  for (const c of clients) {
    if (c.slowStream === undefined) throw new Error('this system has no slow stream');
    state.handles.push(c.slowStream(() => state.items++));
  }
  slow = state;
  return null;
}

async function slowStop(): Promise<{ items: number; seconds: number }> {
  const state = slow;
  if (state === null) throw new Error('no slow streams running');
  slow = null;
  const seconds = (performance.now() - state.t0) / 1000;
  for (const h of state.handles) h.stop();
  await new Promise((r) => setTimeout(r, 100));
  return { items: state.items, seconds };
}

serveIpc<LoadProtocol>({
  slowStart,
  slowStop,
  open: async ({ system, port, connections }) => {
    clients = [];
    for (let i = 0; i < connections; i++) clients.push(await openClient(system, port));
    return null;
  },
  unary,
  stream,
  close: async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
    return null;
  },
});

// WebSockets over HTTP/2 (RFC 8441, issue #16) against HTTP/1.1, on one zwire server
// (listen({ http2: true }): both on one port, cleartext so that TLS does not decide the result):
// 1. handshake: server CPU per WebSocket opened and closed, over HTTP/2 on an existing session
//    against a new TCP connection and HTTP/1.1 upgrade each;
// 2. echo: 100 WebSockets multiplexed on one HTTP/2 session against 100 TCP connections,
//    one 32-byte message in flight each: messages/s and server CPU per message.
//   npx tsx bench/http2.ts   (or: npm run bench -- http2)
//   flags: --rounds=N (default 5)  --seconds=S per round (default 2)  --concurrency=N (default 16)
//          --connections=N (default 100)  --size=B (default 32)  --quick
import {
  alternateRounds,
  CLIENT_CPU,
  describeEnvironment,
  formatNumber,
  formatRatio,
  formatSpread,
  pairedRatio,
  parseFlags,
  renderTable,
  SERVER_CPU,
  spawnServer,
  spawnWorker,
  summarize,
  type ServerProcess,
} from './lib/index.js';
import type { Http2LoadProtocol } from './http2/protocol.js';

const MODES = { h2: { label: 'HTTP/2 (RFC 8441)', http2: true }, h1: { label: 'HTTP/1.1', http2: false } } as const;
type Mode = keyof typeof MODES;
const ORDER: Mode[] = ['h2', 'h1'];

const flags = parseFlags();
const quick = flags.has('quick');
const rounds = flags.number('rounds', quick ? 2 : 5);
const roundMs = flags.number('seconds', quick ? 0.5 : 2) * 1000;
const concurrency = flags.number('concurrency', 16);
const connections = flags.number('connections', 100);
const size = flags.number('size', 32);

interface Round {
  rate: number;
  cpuUs: number;
  failures: number;
}

type Load = ReturnType<typeof spawnWorker<Http2LoadProtocol>>;

async function cpuOf(server: ServerProcess, run: () => Promise<{ count: number; windowMs: number; failures: number }>): Promise<Round> {
  const before = await server.stats();
  const r = await run();
  const after = await server.stats();
  const cpu = after.cpuUserUs - before.cpuUserUs + after.cpuSystemUs - before.cpuSystemUs;
  return { rate: (r.count / r.windowMs) * 1000, cpuUs: r.count > 0 ? cpu / r.count : Number.NaN, failures: r.failures };
}

function handshakeRound(server: ServerProcess, load: Load, mode: Mode, ms: number): Promise<Round> {
  return cpuOf(server, async () => {
    const r = await load.ipc.call('handshakes', { port: server.port, http2: MODES[mode].http2, concurrency, durationMs: ms }, ms + 30_000);
    return { count: r.handshakes, windowMs: r.windowMs, failures: r.failures };
  });
}

function echoRound(server: ServerProcess, load: Load, mode: Mode, ms: number): Promise<Round> {
  return cpuOf(server, async () => {
    const r = await load.ipc.call('echo', { port: server.port, http2: MODES[mode].http2, connections, size, durationMs: ms }, ms + 30_000);
    return { count: r.messages, windowMs: r.windowMs, failures: 0 };
  });
}

function table(title: string, unit: string, results: Map<Mode, Round[]>): string {
  const h1 = results.get('h1')!;
  const rows = ORDER.map((mode) => {
    const rs = results.get(mode)!;
    const rate = summarize(rs.map((r) => r.rate));
    return [
      MODES[mode].label,
      formatNumber(rate.median),
      formatSpread(rate.spread),
      formatNumber(summarize(rs.map((r) => r.cpuUs)).median),
      formatRatio(pairedRatio(rs.map((r) => r.cpuUs), h1.map((r) => r.cpuUs))),
      formatRatio(pairedRatio(rs.map((r) => r.rate), h1.map((r) => r.rate))),
      String(rs.reduce((n, r) => n + r.failures, 0)),
    ];
  });
  return `## ${title}\n\n${renderTable(
    [
      { header: 'transport', align: 'left' },
      { header: `${unit}/s` },
      { header: 'spread' },
      { header: `server CPU µs/${unit}` },
      { header: 'CPU vs HTTP/1.1' },
      { header: 'rate vs HTTP/1.1' },
      { header: 'failures' },
    ],
    rows,
  )}`;
}

async function main(): Promise<void> {
  console.log(`# HTTP/2 benchmark${quick ? ' (--quick)' : ''}\n\n${describeEnvironment()}`);
  console.log(`${rounds} alternated rounds of ${roundMs / 1000} s per transport after a warm-up; medians.\n`);
  const server = await spawnServer({ name: 'zwire', script: 'bench/http2/server.ts', cpu: SERVER_CPU });
  const load = spawnWorker<Http2LoadProtocol>({ name: 'load', script: 'bench/http2/load.ts', cpu: CLIENT_CPU });
  try {
    for (const mode of ORDER) await handshakeRound(server, load, mode, quick ? 200 : 1000);
    const hs = await alternateRounds(ORDER, rounds, (mode) => handshakeRound(server, load, mode, roundMs));
    console.log(table(`Handshakes (${concurrency} loops of open, handshake, close)`, 'handshake', hs));
    for (const mode of ORDER) await echoRound(server, load, mode, quick ? 200 : 1000);
    const echo = await alternateRounds(ORDER, rounds, (mode) => echoRound(server, load, mode, roundMs));
    console.log(`\n${table(`Echo (${connections} WebSockets, ${size} B, one message in flight each)`, 'msg', echo)}`);
  } finally {
    await load.stop();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

// What observing costs on the server's call path (issue #15): one process, no
// sockets, the RPC session fed unary calls through RpcRouter.attach, three
// routers side by side, rounds alternating: no observers (as before the
// change), createServer's observers (diagnostics_channel + OpenTelemetry)
// with nobody subscribed, and with a subscriber on zwire:rpc:call:end.
// Prints calls/s per round and the median ratio to the first.
//   npx tsx bench/observe.ts [--rounds=7] [--calls=200000]
//   npm run bench -- observe --quick
import diagnostics from 'node:diagnostics_channel';
import { z } from 'zod';
import { msgpackEnvelope } from '../src/rpc/codec-msgpack.js';
import { diagnosticsObserver } from '../src/server/rpc-diagnostics.js';
import type { CallObserver } from '../src/rpc/observe.js';
import { RpcRouter } from '../src/rpc/server.js';
import { defineService } from '../src/rpc/service.js';
import { loadTracing, tracingObserver } from '../src/rpc/tracing.js';

const flag = (name: string, dflt: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const quick = process.argv.includes('--quick');
const rounds = flag('rounds', quick ? 3 : 7);
const calls = flag('calls', quick ? 20_000 : 200_000);

const svc = defineService({ greet: { input: z.object({ name: z.string() }), output: z.object({ message: z.string() }) } });
const handlers = { greet: ({ name }: { name: string }) => ({ message: `hello ${name}` }) };
await loadTracing();

function router(observers: readonly CallObserver[]): (n: number) => number {
  let answered = 0;
  const r = new RpcRouter(svc, handlers, { observers });
  const session = r.attach({ send: () => void answered++, close: () => undefined }, 'zwire.rpc.v1.msgpack', undefined);
  const messages = Array.from({ length: 1024 }, (_, i) => msgpackEnvelope.call(i + 1, 'greet', { name: `n${i}` }));
  return (n) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) session.receive(messages[i & 1023]);
    const ms = performance.now() - t0;
    if (answered < n) throw new Error('calls went unanswered');
    answered = 0;
    return (n / ms) * 1000;
  };
}

const subscriber = (): void => undefined;
const systems: [string, (n: number) => number, boolean][] = [
  ['no observers', router([]), false],
  ['observers, nobody subscribed', router([diagnosticsObserver, tracingObserver]), false],
  ['observers, call:end subscribed', router([diagnosticsObserver, tracingObserver]), true],
];
for (const [, run] of systems) run(calls / 4); // warm up
const rates = systems.map(() => [] as number[]);
for (let round = 0; round < rounds; round++) {
  systems.forEach(([, run, subscribed], i) => {
    if (subscribed) diagnostics.subscribe('zwire:rpc:call:end', subscriber);
    rates[i].push(run(calls));
    if (subscribed) diagnostics.unsubscribe('zwire:rpc:call:end', subscriber);
  });
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const [i, [name]] of systems.entries()) {
  const ratios = rates[i].map((r, k) => r / rates[0][k]);
  console.log(`${name.padEnd(32)} ${Math.round(median(rates[i])).toLocaleString('en').padStart(10)} calls/s  ${median(ratios).toFixed(3)}x`);
}

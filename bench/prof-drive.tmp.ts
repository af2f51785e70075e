import { spawnWorker } from '/work/wt/hub/bench/lib/index.js';
import type { FanoutLoadProtocol } from '/work/wt/hub/bench/fanout/protocol.js';
const port = Number(process.argv[2]);
const clients = Number(process.argv[3] ?? 16);
const inflight = Number(process.argv[4] ?? 4);
const size = Number(process.argv[5] ?? 64);
const publishers = Number(process.argv[6] ?? clients);
const load = spawnWorker<FanoutLoadProtocol>({ name: 'load', script: 'bench/fanout/load.ts', cpu: 1 });
await load.ipc.call('connect', { host: '127.0.0.1', port, clients, publishers, inflight, size }, 300000);
for (let i = 0; i < 3; i++) { const r = await load.ipc.call('run', { ms: 1000 }); console.log(Math.round(r.deliveries / r.windowMs * 1000)); }
await load.ipc.call('close', null);
await load.stop();

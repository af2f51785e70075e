/**
 * One zwire node as a child process: a redisEngine driven by its parent over
 * IPC, recording everything its handler is given. Run with
 * `node --import tsx engine-node.ts <socketPath> <presenceTtlMs>`.
 */
import type { StreamPosition } from '../../src/engine/engine.js';
import { redisEngine } from '../../src/redis/index.js';
import { bytes, Recorder, text } from '../engine/contract.js';

/** What a publish came to: its position, or the error code it was rejected with. */
export type PublishOutcome = { text: string; position: StreamPosition } | { text: string; error: string };

/** Everything the node's handler was given, in order. */
export interface Recorded {
  publications: { channel: string; offset: number; epoch: string; text: string }[];
  joins: { channel: string; clientId: string }[];
  leaves: { channel: string; clientId: string }[];
  interruptions: string[][];
}

/** A request from the parent. */
export type Request =
  | { id: number; op: 'subscribe'; channel: string }
  | { id: number; op: 'publishAll'; items: { channel: string; text: string }[] }
  | { id: number; op: 'traffic'; channel: string; prefix: string; count: number; intervalMs: number }
  | { id: number; op: 'addPresence'; channel: string; clientId: string }
  | { id: number; op: 'presence'; channel: string }
  | { id: number; op: 'history'; channel: string; epoch: string }
  | { id: number; op: 'recorded' };

class Node extends Recorder {
  readonly interruptions: string[][] = [];
  interrupted(channels: readonly string[]): void {
    this.interruptions.push([...channels]);
  }
}

const [socketPath, ttl] = process.argv.slice(2);
const engine = redisEngine({ socketPath, presenceTtlMs: Number(ttl), maxReconnectDelayMs: 200, commandTimeoutMs: 2000 });
const node = new Node();

function outcome(channel: string, t: string): Promise<PublishOutcome> {
  return engine.publish(channel, bytes(t), { history: { size: 10_000, ttlMs: 60_000 } }).then(
    (position) => ({ text: t, position }),
    (err: { code?: string }) => ({ text: t, error: err.code ?? String(err) }),
  );
}

async function handle(req: Request): Promise<unknown> {
  switch (req.op) {
    case 'subscribe':
      return engine.subscribe(req.channel);
    case 'publishAll':
      return Promise.all(req.items.map((i) => outcome(i.channel, i.text)));
    case 'traffic': {
      const out: PublishOutcome[] = [];
      for (let k = 0; k < req.count; k++) {
        out.push(await outcome(req.channel, `${req.prefix}${k}`));
        await new Promise((r) => setTimeout(r, req.intervalMs));
      }
      return out;
    }
    case 'addPresence':
      return engine.addPresence(req.channel, req.clientId, bytes(req.clientId));
    case 'presence':
      return [...(await engine.presence(req.channel)).keys()].sort();
    case 'history': {
      const h = await engine.history(req.channel, { since: { epoch: req.epoch, offset: 0 } });
      return h.publications.map((p) => ({ offset: p.offset, text: text(p.data) }));
    }
    case 'recorded':
      return {
        publications: node.publications.map(({ channel, pub }) => ({ channel, offset: pub.offset, epoch: pub.epoch, text: text(pub.data) })),
        joins: node.joins.map(({ channel, clientId }) => ({ channel, clientId })),
        leaves: node.leaves.map(({ channel, clientId }) => ({ channel, clientId })),
        interruptions: node.interruptions,
      } satisfies Recorded;
  }
}

await engine.start(node);
process.on('message', (req: Request) => {
  handle(req).then(
    (value) => process.send?.({ id: req.id, value }),
    (err: { code?: string; message?: string }) => process.send?.({ id: req.id, error: err.code ?? err.message }),
  );
});
process.on('disconnect', () => void engine.close().then(() => process.exit(0)));
process.send?.({ ready: true });

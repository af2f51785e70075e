import { randomBytes } from 'node:crypto';
import type { StreamPosition } from '../engine/engine.js';
import { RedisEngineError, malformed } from './errors.js';
import type { ChannelKeys } from './keys.js';
import { script } from './link.js';
import type { Arg, RedisLink } from './link.js';
import { PUBLISH_BATCH } from './lua.js';

const SCRIPT = script(PUBLISH_BATCH);

/** Publications per script call at most: a longer batch is split, so that no single script holds Redis for long. */
export const MAX_BATCH = 256;

/** A fresh epoch, used by a script only if the channel has none (base64url: never a colon). */
export function newEpoch(): string {
  return randomBytes(9).toString('base64url');
}

/** One publication waiting for its turn's script call. */
export interface PendingPublication {
  readonly keys: ChannelKeys;
  readonly data: Buffer;
  /** History size ('0': keep nothing), history TTL ms, meta TTL ms, as the script takes them. */
  readonly size: string;
  readonly historyTtl: string;
  readonly metaTtl: string;
}

interface Waiting extends PendingPublication {
  resolve(position: StreamPosition): void;
  reject(err: unknown): void;
}

/**
 * Gathers the publications a node makes in one callback and sends
 * them as one PUBLISH_BATCH script call per group (one group on a single
 * Redis; one per channel on a cluster, where a script's keys must share a
 * slot): one round trip, one command and one timer for many publications
 * instead of one each, which is where Redis and the node spent their time per
 * publication. The call is made on the next tick, which Node runs once the
 * microtasks of the current callback are done: publications made by one
 * callback and the promise continuations it starts share it, however many
 * awaits each took, and no event-loop iteration is added before node-redis
 * writes the command (it writes the commands of a turn together, so the
 * calls of several callbacks still share a write). Each publication still
 * gets its own position or its own error; within a group they keep their
 * order, and groups are sent in the order they were opened, on one
 * connection, so a channel's publications from this node keep
 * theirs.
 */
export class PublishBatcher {
  private readonly groups = new Map<string, Waiting[]>();
  private scheduled = false;

  constructor(
    private readonly link: RedisLink,
    /** 'publish' or 'spublish'. */
    private readonly command: string,
    /** Whether each channel needs a group of its own (a cluster). */
    private readonly perChannel: boolean,
  ) {}

  /** Queues a publication for this turn's call; resolves with its position. */
  add(channel: string, pub: PendingPublication): Promise<StreamPosition> {
    return new Promise((resolve, reject) => {
      const group = this.perChannel ? channel : '';
      let list = this.groups.get(group);
      if (list === undefined) {
        list = [];
        this.groups.set(group, list);
      }
      list.push({ ...pub, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        process.nextTick(flushLater, this);
      }
    });
  }

  /** Sends everything queued now (also before the link closes, so that nothing queued is dropped). */
  flush(): void {
    this.scheduled = false;
    for (const list of this.groups.values()) {
      for (let at = 0; at < list.length; at += MAX_BATCH) void this.send(list.slice(at, at + MAX_BATCH));
    }
    this.groups.clear();
  }

  private async send(batch: readonly Waiting[]): Promise<void> {
    const keys: string[] = [];
    const args: Arg[] = [this.command, newEpoch()];
    for (const p of batch) {
      keys.push(p.keys.meta, p.keys.stream);
      args.push(p.keys.pubsub, p.data, p.size, p.historyTtl, p.metaTtl);
    }
    let reply: unknown;
    try {
      reply = await this.link.run(SCRIPT, keys, args);
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    if (!Array.isArray(reply) || reply.length !== 2 * batch.length) {
      for (const p of batch) p.reject(malformed('publish'));
      return;
    }
    batch.forEach((p, i) => settle(p, reply[2 * i], reply[2 * i + 1]));
  }
}

function flushLater(batcher: PublishBatcher): void {
  batcher.flush();
}

/** Resolves or rejects one publication from its pair in the script's reply. */
function settle(p: Waiting, offset: unknown, epoch: unknown): void {
  if (typeof offset !== 'number' || !Buffer.isBuffer(epoch)) return p.reject(malformed('publish'));
  if (offset === 0) return p.reject(new RedisEngineError('REDIS_ERROR', `redis: ${epoch.toString('utf8')}`));
  p.resolve({ offset, epoch: epoch.toString('latin1') });
}

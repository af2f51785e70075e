import { ClusterLink } from './cluster-link.js';
import type { RedisLink } from './link.js';
import type { ResolvedOptions } from './options.js';
import { SingleLink } from './single-link.js';

/** Connects to one Redis, or to a Redis Cluster when `cluster` is given. */
export function openLink(opts: ResolvedOptions): Promise<RedisLink> {
  return opts.cluster === undefined ? SingleLink.open(opts) : ClusterLink.open(opts, opts.cluster);
}

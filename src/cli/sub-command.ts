import type { StreamPosition } from '../rpc/topic.js';
import { Exit, parseInput, UsageError, urlWithParams, type Args } from './args.js';
import type { Output } from './output.js';
import { checkTopic, UntypedClient } from './untyped-client.js';

const at = (p: StreamPosition): string => `${p.epoch}:${p.offset}`;

/**
 * `zwire sub`: subscribes to one key of a topic and prints each publication
 * with its offset (`--json`: `{epoch, offset, data}`), resets, and with
 * `--presence` subscribers joining and leaving, until Ctrl-C (exit 130) or
 * the server ends the subscription (a refusal exits 1, a lost connection 3).
 */
export async function subCommand(args: Args, out: Output): Promise<number> {
  const [rawUrl, topic, json, ...extra] = args.positional;
  if (rawUrl === undefined || topic === undefined || extra.length > 0) throw new UsageError('usage: zwire sub <url> <topic> [json-key]');
  const key = parseInput(json);
  const url = urlWithParams(rawUrl, args.params);
  const client = new UntypedClient(url, args, { $describe: 'unary' }, topic);
  const stop = new AbortController();
  const interrupted = (): void => stop.abort();
  process.once('SIGINT', interrupted);
  try {
    if (args.check) {
      const description = await client.describe();
      if (description !== null) checkTopic(description, topic, key);
    }
    const sub = client.subscribe(topic, key, { since: args.since, signal: stop.signal });
    sub.on('subscribed', ({ recovered, position }) => {
      if (args.json) out.value({ subscribed: { recovered, ...position } });
      else out.note(`subscribed to ${topic}${json === undefined ? '' : ` ${json}`} after ${at(position)}${args.since === undefined ? '' : recovered ? ' (recovered)' : ' (not recovered)'}`);
    });
    sub.on('publication', (data, position) => out.record({ ...position, data }, (show) => `${position.offset}  ${show(data)}`));
    sub.on('reset', (position) => out.record({ reset: position }, () => `-- reset: publications were lost; continuing after ${at(position)}`));
    if (args.presence) {
      sub.on('join', (info) => out.record({ join: info }, (show) => `+ join ${show(info)}`));
      sub.on('leave', (info) => out.record({ leave: info }, (show) => `- leave ${show(info)}`));
    }
    try {
      // the listeners print; iterating keeps the subscription's buffer empty and ends with it
      for await (const _ of sub);
    } catch (err) {
      if (stop.signal.aborted) return Exit.INTERRUPTED;
      throw err;
    }
    return stop.signal.aborted ? Exit.INTERRUPTED : Exit.OK;
  } finally {
    process.off('SIGINT', interrupted);
    await client.close();
  }
}

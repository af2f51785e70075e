/**
 * The presence entries this node added and has not removed: what it
 * refreshes in Redis on a timer, so that they outlive it only by the TTL.
 * Each entry is its own object, so that a failed add can tell whether a later
 * add or remove has replaced it meanwhile.
 */
export class LocalPresence {
  private readonly channels = new Map<string, Map<string, { readonly info: Buffer }>>();

  /** Records an entry; returns its token for forget(). */
  set(channel: string, clientId: string, info: Buffer): object {
    let entries = this.channels.get(channel);
    if (entries === undefined) this.channels.set(channel, (entries = new Map()));
    const entry = { info };
    entries.set(clientId, entry);
    return entry;
  }

  /** Removes the entry; with `token`, only if it is still the one set() returned. */
  delete(channel: string, clientId: string, token?: object): void {
    const entries = this.channels.get(channel);
    if (entries === undefined) return;
    if (token !== undefined && entries.get(clientId) !== token) return;
    entries.delete(clientId);
    if (entries.size === 0) this.channels.delete(channel);
  }

  /** Each channel with entries, and its entries as client id and info pairs, at most `max` pairs at a time. */
  *batches(max: number): Generator<[string, Array<string | Buffer>]> {
    for (const [channel, entries] of this.channels) {
      let pairs: Array<string | Buffer> = [];
      for (const [clientId, { info }] of entries) {
        pairs.push(clientId, info);
        if (pairs.length >= 2 * max) {
          yield [channel, pairs];
          pairs = [];
        }
      }
      if (pairs.length > 0) yield [channel, pairs];
    }
  }
}

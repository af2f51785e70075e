/**
 * The page of the browser tests, bundled by esbuild and loaded in Chromium:
 * zwire's browser client over the page's own WebSocket. The types-only client
 * knows the service by its type alone; one scenario uses the validating client.
 */
import { msgpack } from '../../src/client/msgpack.js';
import { createClient, RpcError, type ClientState, type TypesOnlyClient } from '../../src/client/rpc-browser.js';
import { chat } from './service.js';

type Chat = TypesOnlyClient<(typeof chat)['methods']>;
type Codec = 'json' | 'msgpack';

const clients = new Map<string, Chat>();
const states = new Map<string, ClientState[]>();

function client(key: string): Chat {
  const c = clients.get(key);
  if (c === undefined) throw new Error(`no client ${key}`);
  return c;
}

/** The error code a call failed with, or 'resolved'. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return err instanceof RpcError ? err.code : `not an RpcError: ${String(err)}`;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What the tests drive through page.evaluate. */
export const api = {
  open(key: string, url: string, codec: Codec, maxAttempts?: number): void {
    const c = createClient<typeof chat>(url, {
      notify: ['typing'],
      codec: codec === 'msgpack' ? msgpack : 'json',
      streamWindow: 16,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200, maxAttempts },
    });
    const seen: ClientState[] = [c.state];
    c.on('state', (s) => seen.push(s));
    clients.set(key, c);
    states.set(key, seen);
  },
  states: (key: string): ClientState[] => states.get(key) ?? [],
  close: (key: string): Promise<void> => client(key).close(),

  /** Unary calls, a client stream and a notification. */
  async unary(key: string): Promise<{ sent: { id: number; text: string }; bytes: number[]; size: number; total: number }> {
    const c = client(key);
    const sent = await c.send({ room: 'lobby', text: 'hello from Chromium' });
    const echoed = await c.bytes({ data: Uint8Array.of(1, 2, 255) });
    async function* numbers(): AsyncGenerator<{ n: number }> {
      for (let n = 1; n <= 10; n++) yield { n };
    }
    const { total } = await c.upload(numbers());
    await c.typing({ who: 'ada' });
    return { sent, bytes: [...echoed.data], size: echoed.size, total };
  },

  /** A call with a Date, a bigint, a Set, a Map and an undefined field each way, described in what page.evaluate can return. */
  async values(key: string): Promise<{ at: string; next: string; seen: [string, string][]; tags: string[]; note: string }> {
    const out = await client(key).stamp({ at: new Date(Date.UTC(2024, 1, 29, 12)), n: 2n ** 64n, tags: new Set(['a', 'b']), note: undefined });
    return {
      at: out.at instanceof Date ? out.at.toISOString() : `not a Date: ${String(out.at)}`,
      next: typeof out.next === 'bigint' ? `${out.next}n` : `not a bigint: ${String(out.next)}`,
      seen: out.seen instanceof Map ? [...out.seen].map(([k, d]) => [k, d instanceof Date ? d.toISOString() : 'not a Date']) : [],
      tags: out.tags instanceof Set ? [...out.tags] : [],
      note: !('note' in out) ? 'absent' : out.note === undefined ? 'undefined' : out.note,
    };
  },

  badInput: (key: string): Promise<string> => codeOf(client(key).send({ room: 'lobby', text: '' })),

  /** Reads `pauseAfter` items, stops reading for a while, asks the server how far it got, then reads the rest. */
  async slowConsumer(key: string, count: number, pauseAfter: number): Promise<{ producedWhilePaused: number; seqs: number[] }> {
    const c = client(key);
    const seqs: number[] = [];
    let producedWhilePaused = -1;
    for await (const { seq } of c.history({ count })) {
      seqs.push(seq);
      if (seqs.length === pauseAfter) {
        await sleep(300);
        producedWhilePaused = await c.produced();
      } else if (seqs.length % 50 === 0) await sleep(5);
    }
    return { producedWhilePaused, seqs };
  },

  /** A call cancelled by its AbortSignal, and a stream left early: both end at the server. */
  async cancel(key: string): Promise<{ call: string; firstItems: number[] }> {
    const c = client(key);
    const ac = new AbortController();
    const pending = codeOf(c.wait({ ms: 20_000 }, { signal: ac.signal }));
    await sleep(100);
    ac.abort();
    const firstItems: number[] = [];
    for await (const { seq } of c.history({ count: 1_000_000 })) {
      firstItems.push(seq);
      if (seq === 4) break;
    }
    return { call: await pending, firstItems };
  },

  /** A call made now, while the server may be down: queued until the client reconnects. */
  later(key: string): Promise<{ id: number; text: string }> {
    return client(key).send({ room: 'lobby', text: 'after the restart' });
  },

  refused: (key: string): Promise<string> => codeOf(client(key).send({ room: 'lobby', text: 'nobody there' })),

  /** The validating client, with the definition (and zod) in the page. */
  async validating(url: string): Promise<{ id: number; text: string }> {
    const c = createClient(chat, url, { reconnect: false });
    try {
      return await c.send({ room: 'lobby', text: 'validated' });
    } finally {
      await c.close();
    }
  },
};

(globalThis as { zw?: typeof api }).zw = api;

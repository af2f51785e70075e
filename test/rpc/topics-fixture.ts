import { afterEach } from 'vitest';
import { createClient, type ClientOptions, type RpcClient } from '../../src/client/index.js';
import type { Subscription } from '../../src/client/rpc-subscription.js';
import { createServer, type RpcServer, type ServerOptions } from '../../src/server/rpc-server.js';
import { RpcError } from '../../src/rpc/errors.js';
import type { Handlers } from '../../src/rpc/handlers.js';
import { chat } from './topics-service.js';

export { chat };

export type Chat = (typeof chat)['methods'];
export type Ctx = { user: string };

export const chatHandlers: Handlers<Chat, Ctx> = {
  say: ({ room, text }, ctx) => ctx.publish('room', { room }, { from: ctx.conn.user, text }),
  room: {
    subscribe: ({ room }, ctx) => {
      if (room === 'secret' && ctx.conn.user !== 'admin') throw new RpcError('FORBIDDEN', 'admins only');
      return { presence: { user: ctx.conn.user } };
    },
  },
  small: {},
  brief: {},
  ticker: {},
  // a personal channel: only its user may subscribe
  user: {
    subscribe: ({ id }, ctx) => {
      if (id !== ctx.conn.user) throw new RpcError('FORBIDDEN', 'not your channel');
    },
  },
  board: {
    publish: (_key, { text }) => {
      if (text === 'spam') throw new RpcError('FORBIDDEN', 'no spam');
    },
  },
};

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Registers something to close after the current test. */
export function closeAfter(fn: () => Promise<unknown>): void {
  cleanup.push(fn);
}

/** Starts the chat server; the caller closes it. */
export async function startChat(options: ServerOptions<Ctx> = {}): Promise<{ server: RpcServer<Chat, Ctx>; port: number; url: string }> {
  const server = createServer(chat, chatHandlers, { context: (info) => ({ user: info.params.user ?? 'anon' }), ...options });
  const { port } = await server.listen({ port: 0 });
  return { server, port, url: `ws://127.0.0.1:${port}/` };
}

/** Starts the chat server for the current test. */
export async function serveChat(options: ServerOptions<Ctx> = {}): ReturnType<typeof startChat> {
  const s = await startChat(options);
  closeAfter(() => s.server.close());
  return s;
}

export function chatClient(url: string, user: string, options: ClientOptions = {}): RpcClient<Chat> {
  const c = createClient(chat, url, { heartbeatMs: 0, params: { user }, reconnect: { initialDelayMs: 5, maxDelayMs: 50 }, ...options });
  closeAfter(() => c.close());
  return c;
}

/** Collects what a subscription yields, in the background. */
export function collect<T>(sub: Subscription<T, unknown>): { items: T[]; done: Promise<unknown> } {
  const items: T[] = [];
  const done = (async () => {
    for await (const m of sub) items.push(m);
  })().catch((err: unknown) => err);
  return { items, done };
}

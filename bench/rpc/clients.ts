// One adapter per system, each built on that system's own client library.
import { setTimeout as sleep } from 'node:timers/promises';
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import { Client as RpcWebSocketsClient } from 'rpc-websockets';
import WebSocket from 'ws';
import { createClient } from '../../src/client/index.js';
import type { System } from './protocol.js';
import { benchService, ENDLESS, FEED_SIZE } from './service.js';
import type { AppRouter } from './trpc-server.js';

export interface BenchClient {
  greet(name: string): Promise<unknown>;
  /** Consumes one endless stream, calling onItem per item, until stop(). */
  stream?(onItem: () => void): { stop(): void };
  /** Consumes one endless stream of FEED_SIZE-byte items, about one per millisecond, until stop(). */
  slowStream?(onItem: () => void): { stop(): void };
  close(): Promise<void>;
}

async function zwire(port: number, codec: 'json' | 'msgpack'): Promise<BenchClient> {
  const client = createClient(benchService, `ws://127.0.0.1:${port}`, { codec, heartbeatMs: 0, reconnect: false });
  await client.ready();
  return {
    greet: (name) => client.greet({ name }),
    stream(onItem) {
      const s = client.count({ to: ENDLESS });
      void (async () => {
        try {
          for await (const _ of s) onItem();
        } catch {
          // stopped
        }
      })();
      return { stop: () => s.cancel() };
    },
    slowStream(onItem) {
      const s = client.feed({ size: FEED_SIZE });
      void (async () => {
        try {
          for await (const _ of s) {
            onItem();
            await sleep(1);
          }
        } catch {
          // stopped
        }
      })();
      return { stop: () => s.cancel() };
    },
    close: () => client.close(),
  };
}

async function rpcWebSockets(port: number): Promise<BenchClient> {
  const client = new RpcWebSocketsClient(`ws://127.0.0.1:${port}`, { reconnect: false });
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  return {
    greet: (name) => client.call('greet', { name }),
    close: async () => client.close(),
  };
}

async function wsJsonRpc(port: number): Promise<BenchClient> {
  const open = async (): Promise<WebSocket> => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return ws;
  };
  const ws = await open();
  const pending = new Map<number, (v: unknown) => void>();
  let nextId = 0;
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id: number; result: unknown };
    const resolve = pending.get(msg.id);
    if (resolve) {
      pending.delete(msg.id);
      resolve(msg.result);
    }
  });
  const streams: WebSocket[] = [];
  // Each stream on its own connection, so stopping it is closing it (the hand-written server has no cancel).
  // A slow reader takes one item per millisecond from what arrived and pauses the socket while 64 items
  // wait: TCP backpressure then reaches the server (ws keeps emitting what it already read, so pausing
  // per message would not slow it down).
  const openStream = (method: string, params: object, onItem: () => void, slow: boolean): { stop(): void } => {
    let sock: WebSocket | null = null;
    let stopped = false;
    let waiting = 0;
    let timer: NodeJS.Timeout | null = null;
    void open().then((s) => {
      sock = s;
      streams.push(s);
      if (stopped) return s.terminate();
      if (!slow) s.on('message', () => onItem());
      else {
        s.on('message', () => {
          if (++waiting >= 64) s.pause();
        });
        timer = setInterval(() => {
          if (waiting === 0) return;
          waiting--;
          onItem();
          if (waiting < 32) s.resume();
        }, 1);
      }
      s.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
    });
    return {
      stop: () => {
        stopped = true;
        if (timer !== null) clearInterval(timer);
        sock?.terminate();
      },
    };
  };
  return {
    greet(name) {
      const id = ++nextId;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'greet', params: { name } }));
      });
    },
    stream: (onItem) => openStream('count', { to: ENDLESS }, onItem, false),
    slowStream: (onItem) => openStream('feed', { size: FEED_SIZE }, onItem, true),
    close: async () => {
      for (const s of streams) s.terminate();
      ws.close();
    },
  };
}

async function trpc(port: number): Promise<BenchClient> {
  const wsClient = createWSClient({ url: `ws://127.0.0.1:${port}`, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket });
  const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
  await client.greet.query({ name: 'warmup' });
  return {
    greet: (name) => client.greet.query({ name }),
    stream(onItem) {
      const sub = client.count.subscribe({ to: ENDLESS }, { onData: () => onItem() });
      return { stop: () => sub.unsubscribe() };
    },
    close: async () => {
      await wsClient.close();
    },
  };
}

export function openClient(system: System, port: number): Promise<BenchClient> {
  switch (system) {
    case 'zwire-msgpack':
      return zwire(port, 'msgpack');
    case 'zwire-json':
      return zwire(port, 'json');
    case 'rpc-websockets':
      return rpcWebSockets(port);
    case 'ws-jsonrpc':
      return wsJsonRpc(port);
    case 'trpc':
      return trpc(port);
  }
}

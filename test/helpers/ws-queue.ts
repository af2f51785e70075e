/** Promise-based reading of a `ws` WebSocket's messages, pongs and close, for interop tests. */
import { once } from 'node:events';
import type { WebSocket } from 'ws';

export interface WsMessage {
  data: Buffer;
  binary: boolean;
}

/** Queues every message the socket receives; next() takes them in order. */
export class WsQueue {
  private items: WsMessage[] = [];
  private waiters: ((m: WsMessage) => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, binary) => {
      const m = { data: Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]), binary };
      const w = this.waiters.shift();
      if (w) w(m);
      else this.items.push(m);
    });
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
  }

  next(timeoutMs = 10_000): Promise<WsMessage> {
    const m = this.items.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== take);
        reject(new Error(`ws: no message within ${timeoutMs} ms`));
      }, timeoutMs);
      const take = (msg: WsMessage) => {
        clearTimeout(timer);
        resolve(msg);
      };
      this.waiters.push(take);
    });
  }
}

/** Resolves once the socket is open. */
export async function opened(ws: WebSocket): Promise<void> {
  if (ws.readyState === ws.OPEN) return;
  await once(ws, 'open');
}

import { ZwireError } from '../errors.js';
import type { WireData } from '../rpc/protocol.js';
import { inBandUrl, type ClientTransport, type TransportEvents, type TransportFactory } from './transport.js';

/**
 * The part of the WHATWG WebSocket interface the RPC client uses (browsers,
 * `ws`, Node 22+). Parameters are `never` so that every implementation's
 * own types fit without a cast: the client only assigns handlers, and sends
 * strings and Uint8Arrays, which every implementation takes.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly protocol: string;
  readonly readyState: number;
  send(data: never): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: never) => void) | null;
  onmessage: ((ev: never) => void) | null;
  onclose: ((ev: never) => void) | null;
  onerror: ((ev: never) => void) | null;
}

/** A WHATWG WebSocket constructor, e.g. `globalThis.WebSocket` or `ws`'s `WebSocket`. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

function toWireData(data: unknown): WireData | null {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

/** A handshake failure, with the close code the browser API reports (it hides HTTP statuses). */
export class WebSocketOpenError extends ZwireError {
  declare readonly code: 'ERR_WEBSOCKET_OPEN';
  constructor(message: string, closeCode?: number) {
    // a minified bundle renames classes, so the name is not taken from the class
    super('ERR_WEBSOCKET_OPEN', message, { closeCode });
    this.name = 'WebSocketOpenError';
  }
}

/**
 * Runs the RPC client over any WHATWG WebSocket, with in-band parameters
 * (the client's `params` go in its first message). There is no send
 * backpressure in that API; stream credit keeps the client's sends bounded.
 */
export function webSocketTransport(url: string, WebSocketImpl: WebSocketConstructor): TransportFactory {
  const target = inBandUrl(url);
  return (protocols: string[], events: TransportEvents, signal: AbortSignal) =>
    new Promise<ClientTransport>((resolve, reject) => {
      const ws = new WebSocketImpl(target, protocols);
      ws.binaryType = 'arraybuffer';
      let open = false;
      const onAbort = (): void => ws.close(1000, 'client closed');
      signal.addEventListener('abort', onAbort, { once: true });
      ws.onopen = () => {
        open = true;
        signal.removeEventListener('abort', onAbort);
        if (!protocols.includes(ws.protocol)) {
          ws.close(1002, 'no RPC subprotocol');
          reject(new WebSocketOpenError(`server did not accept any of ${protocols.join(', ')}`));
          return;
        }
        resolve({
          protocol: ws.protocol,
          inBand: true,
          send: (data) => ws.send(data as never),
          close: (code, reason) => ws.close(code === undefined || code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason),
        });
      };
      ws.onmessage = (ev: { data: unknown }) => {
        const data = toWireData(ev.data);
        if (data !== null) events.message(data);
      };
      ws.onerror = () => {
        if (!open) reject(new WebSocketOpenError(`could not connect to ${url}`));
      };
      ws.onclose = (ev: { code: number; reason: string }) => {
        signal.removeEventListener('abort', onAbort);
        if (!open) reject(new WebSocketOpenError(`could not connect to ${url}`, ev.code));
        else events.close(ev.code, ev.reason);
      };
    });
}

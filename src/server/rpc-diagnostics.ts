/**
 * The RPC server's node:diagnostics_channel channels (docs/observability.md).
 * Node-only: createServer wires it in; the transport-independent layer sees
 * only the CallObserver. A message is built only when its channel has
 * subscribers, so nobody subscribing costs a property read per event.
 */
import diagnostics from 'node:diagnostics_channel';
import type { CallContext } from '../rpc/handlers.js';
import type { CallObserver, CallWatch } from '../rpc/observe.js';
import type { MethodKind } from '../rpc/service.js';

/** `zwire:conn:open`: an RPC connection finished its WebSocket handshake. */
export interface ConnOpenMessage {
  protocol: string;
  remoteAddress: string | undefined;
  /** Whether its parameters come in-band (its context hook runs when they arrive). */
  inBand: boolean;
}

/** `zwire:conn:close`: an RPC connection ended. */
export interface ConnCloseMessage {
  protocol: string;
  remoteAddress: string | undefined;
  /** The WebSocket close code (1006 when there was no closing handshake). */
  code: number;
  reason: string;
  durationMs: number;
}

/** `zwire:handshake:refused`: the context hook refused a connection. */
export interface HandshakeRefusedMessage {
  /** The RpcError code (UNAUTHORIZED, FORBIDDEN, ...). */
  code: string;
  message: string;
  remoteAddress: string | undefined;
  /** true: refused in-band (Error envelope and close code); false: refused with an HTTP status. */
  inBand: boolean;
}

/** `zwire:rpc:call:start` and `zwire:rpc:stream:open`: a handler is called, or the call was refused before it (its end follows at once). */
export interface CallStartMessage {
  method: string;
  kind: MethodKind;
  /** Call id on the wire (0 for notifications). */
  id: number;
  /** The handler's ctx (ctx.conn is what the context hook built). */
  ctx: CallContext<unknown>;
}

/** `zwire:rpc:call:end` and `zwire:rpc:stream:end`: the handler finished (a stream: its items ended). */
export interface CallEndMessage extends CallStartMessage {
  /** 'OK' or the error code the call ended with. */
  code: string;
  durationMs: number;
}

export const connOpen = diagnostics.channel('zwire:conn:open');
export const connClose = diagnostics.channel('zwire:conn:close');
export const handshakeRefused = diagnostics.channel('zwire:handshake:refused');
const callStart = diagnostics.channel('zwire:rpc:call:start');
const callEnd = diagnostics.channel('zwire:rpc:call:end');
const streamOpen = diagnostics.channel('zwire:rpc:stream:open');
const streamEnd = diagnostics.channel('zwire:rpc:stream:end');

const runPlain = <T>(fn: () => T): T => fn();

/** Publishes call start/end (unary calls and notifications) and stream open/end (both stream kinds). */
export const diagnosticsObserver: CallObserver = {
  start(ctx): CallWatch | null {
    const stream = ctx.kind === 'stream' || ctx.kind === 'clientStream';
    const start = stream ? streamOpen : callStart;
    const end = stream ? streamEnd : callEnd;
    if (!start.hasSubscribers && !end.hasSubscribers) return null;
    const t0 = performance.now();
    if (start.hasSubscribers) start.publish({ method: ctx.method, kind: ctx.kind, id: ctx.id, ctx } satisfies CallStartMessage);
    return {
      run: runPlain,
      end(code) {
        // a literal, not a spread of the start message: the spread made publishing cost a microsecond
        if (end.hasSubscribers) end.publish({ method: ctx.method, kind: ctx.kind, id: ctx.id, ctx, code, durationMs: performance.now() - t0 } satisfies CallEndMessage);
      },
    };
  },
};

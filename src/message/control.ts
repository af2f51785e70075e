import { Opcode } from '../wire/index.js';
import { EMPTY, OPEN } from './conn-state.js';
import { ConnClosedError, HeartbeatTimeoutError } from './errors.js';
import { out } from './sender.js';
import type { ConnCore } from './conn-state.js';
import type { SinkOwner } from './frame-sink.js';

/** A ping() waiting for its pong. */
export type PingWait = { resolve(ms: number): void; reject(e: Error): void; t0: number };

/** Control frames other than close: pings with their round trips, pongs, the heartbeat. */
export interface Control extends ConnCore, SinkOwner {
  pings: Map<string, PingWait[]> | null;
  heartbeatTimer: NodeJS.Timeout | null;
  heartbeatPending: boolean;
  /** A whole frame arrived since the last heartbeat. */
  sawTraffic: boolean;
  /** A pong was queued in answer to a ping in the read being handled. */
  replied: boolean;
  listenerCount(event: 'ping' | 'pong'): number;
  emit(event: 'ping' | 'pong', payload: Buffer): boolean;
  /** Socket 'close' (or the end of the connection decided here). */
  handleClose(): void;
}

/** Payloads of pings without one: unique within the process, so within every connection. */
let pingCounter = 0;

/** See Conn.ping. */
export function ping(c: Control, payload: Uint8Array | undefined): Promise<number> {
  if (c.state !== OPEN) return Promise.reject(new ConnClosedError());
  let data: Buffer;
  if (payload === undefined) {
    data = Buffer.allocUnsafe(8);
    data.writeDoubleBE(++pingCounter, 0);
  } else {
    if (payload.length > 125) return Promise.reject(new RangeError('a ping payload is at most 125 bytes'));
    data = Buffer.from(payload);
  }
  const key = data.toString('latin1');
  return new Promise((resolve, reject) => {
    const pings = (c.pings ??= new Map());
    const list = pings.get(key);
    const w: PingWait = { resolve, reject, t0: performance.now() };
    if (list === undefined) pings.set(key, [w]);
    else list.push(w);
    out(c).frame(Opcode.Ping, true, false, data);
  });
}

/** A ping or pong arrived: answer it, settle the ping() it answers, tell the listeners. */
export function onPingPong(c: Control, op: number, payload: Buffer): void {
  if (op === Opcode.Ping) {
    if (c.limits.autoPong && c.state === OPEN) {
      out(c).frame(Opcode.Pong, true, false, payload);
      c.replied = true;
    }
    if (c.listenerCount('ping') > 0) c.emit('ping', Buffer.from(payload));
    return;
  }
  c.heartbeatPending = false;
  const pings = c.pings;
  if (pings !== null && pings.size > 0) {
    const key = payload.toString('latin1');
    const list = pings.get(key);
    if (list !== undefined) {
      const w = list.shift() as PingWait;
      if (list.length === 0) pings.delete(key);
      w.resolve(performance.now() - w.t0);
    }
  }
  if (c.listenerCount('pong') > 0) c.emit('pong', Buffer.from(payload));
}

export function startHeartbeat(c: Control): void {
  if (c.limits.heartbeatMs <= 0) return;
  c.heartbeatTimer = setInterval(heartbeatTick, c.limits.heartbeatMs, c);
  c.heartbeatTimer.unref();
}

/** A heartbeat interval passed. */
function heartbeatTick(c: Control): void {
  if (c.state !== OPEN) return;
  if (c.heartbeatPending && !c.sawTraffic && !c.paused && !c.outPaused) {
    // After an event-loop stall timers run before pending reads: let the poll phase deliver a pong first.
    setImmediate(heartbeatVerdict, c);
    return;
  }
  c.sawTraffic = false;
  c.heartbeatPending = true;
  out(c).frame(Opcode.Ping, true, false, EMPTY);
}

/** The previous ping is still unanswered after the poll phase: drop the peer. */
function heartbeatVerdict(c: Control): void {
  if (c.state !== OPEN || c.finalized) return;
  if (c.sawTraffic || c.paused || c.outPaused) {
    c.sawTraffic = false;
    c.heartbeatPending = true;
    out(c).frame(Opcode.Ping, true, false, EMPTY);
    return;
  }
  const err = new HeartbeatTimeoutError(c.limits.heartbeatMs);
  c.error ??= err;
  c.emitError(err);
  c.socket.destroy();
  c.handleClose();
}

/** The connection is gone: stop the heartbeat; pending ping() calls fail. */
export function endControl(c: Control, gone: () => Error): void {
  if (c.heartbeatTimer !== null) clearInterval(c.heartbeatTimer);
  c.heartbeatTimer = null;
  for (const list of c.pings?.values() ?? []) for (const w of list) w.reject(gone());
  c.pings = null;
}

import { Opcode } from '../wire/index.js';
import { defineFlags, EMPTY, OPEN } from './conn-base.js';
import { ConnClosedError, HeartbeatTimeoutError } from './errors.js';
import { ConnSender } from './sender.js';

type PingWait = { resolve(ms: number): void; reject(e: Error): void; t0: number };

/** Payloads of pings without one: unique within the process, so within every connection. */
let pingCounter = 0;

/** Control frames other than close: pings with their round trips, pongs, the heartbeat. */
export abstract class ConnControl extends ConnSender {
  private pings: Map<string, PingWait[]> | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  declare private heartbeatPending: boolean;
  /** A whole frame arrived since the last heartbeat. */
  declare protected sawTraffic: boolean;
  /** A pong was queued in answer to a ping in the read being handled. */
  declare protected replied: boolean;

  /**
   * Send a ping and resolve with the round trip in milliseconds once the pong
   * with the same payload arrives. Without a payload a unique one is used.
   */
  ping(payload?: Uint8Array): Promise<number> {
    if (this.state !== OPEN) return Promise.reject(new ConnClosedError());
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
      const pings = (this.pings ??= new Map());
      const list = pings.get(key);
      const w: PingWait = { resolve, reject, t0: performance.now() };
      if (list === undefined) pings.set(key, [w]);
      else list.push(w);
      this.out().frame(Opcode.Ping, true, false, data);
    });
  }

  /** A ping or pong arrived: answer it, settle the ping() it answers, tell the listeners. */
  protected onPingPong(op: number, payload: Buffer): void {
    if (op === Opcode.Ping) {
      if (this.limits.autoPong && this.state === OPEN) {
        this.out().frame(Opcode.Pong, true, false, payload);
        this.replied = true;
      }
      if (this.listenerCount('ping') > 0) this.emit('ping', Buffer.from(payload));
      return;
    }
    this.heartbeatPending = false;
    const pings = this.pings;
    if (pings !== null && pings.size > 0) {
      const key = payload.toString('latin1');
      const list = pings.get(key);
      if (list !== undefined) {
        const w = list.shift() as PingWait;
        if (list.length === 0) pings.delete(key);
        w.resolve(performance.now() - w.t0);
      }
    }
    if (this.listenerCount('pong') > 0) this.emit('pong', Buffer.from(payload));
  }

  protected startHeartbeat(): void {
    if (this.limits.heartbeatMs <= 0) return;
    this.heartbeatTimer = setInterval(heartbeatTick, this.limits.heartbeatMs, this);
    this.heartbeatTimer.unref();
  }

  /** @internal a heartbeat interval passed */
  onHeartbeat(): void {
    if (this.state !== OPEN) return;
    if (this.heartbeatPending && !this.sawTraffic && !this.paused && !this.outPaused) {
      // After an event-loop stall timers run before pending reads: let the poll phase deliver a pong first.
      setImmediate(heartbeatVerdict, this);
      return;
    }
    this.sawTraffic = false;
    this.heartbeatPending = true;
    this.out().frame(Opcode.Ping, true, false, EMPTY);
  }

  /** @internal the previous ping is still unanswered after the poll phase: drop the peer. */
  onHeartbeatVerdict(): void {
    if (this.state !== OPEN || this.finalized) return;
    if (this.sawTraffic || this.paused || this.outPaused) {
      this.sawTraffic = false;
      this.heartbeatPending = true;
      this.out().frame(Opcode.Ping, true, false, EMPTY);
      return;
    }
    const err = new HeartbeatTimeoutError(this.limits.heartbeatMs);
    this.error ??= err;
    this.emitError(err);
    this.socket.destroy();
    this.handleClose();
  }

  /** The connection is gone: stop the heartbeat; pending ping() calls fail. */
  protected endControl(gone: Error): void {
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    for (const list of this.pings?.values() ?? []) for (const w of list) w.reject(gone);
    this.pings = null;
  }
}

defineFlags(ConnControl.prototype, ['heartbeatPending', 'sawTraffic', 'replied']);

function heartbeatTick(conn: ConnControl): void {
  conn.onHeartbeat();
}

function heartbeatVerdict(conn: ConnControl): void {
  conn.onHeartbeatVerdict();
}

import { ZwireError } from '../errors.js';
import { CloseCode, encodeClosePayload, MAX_CLOSE_REASON, Opcode } from '../wire/index.js';
import { CLOSED, CLOSING, EMPTY, OPEN } from './conn-state.js';
import { endControl } from './control.js';
import type { Control } from './control.js';
import type { Outbound } from './sender.js';
import { AbnormalClosureError, CloseTimeoutError, ConnClosedError, peerEventError } from './errors.js';
import { exclusive, out, rejectDrainWaiters } from './sender.js';
import type { CloseInfo } from './conn-types.js';

/**
 * The closing handshake and the end of a connection: close frames both ways,
 * failing with the right code, the close deadline, and settling everything
 * that waits once the socket is gone.
 */
export interface Closing extends Outbound, Control {
  /** Made once the end comes into view (closing starts, or someone asks for `closed`). */
  ending: Ending | null;
  closeReceived: boolean;
  terminated: boolean;
  /** No more frames are read; the message being received fails with `err` (inbound-queue.ts). */
  stopReading(err: Error): void;
  /** The connection is gone: the consumer's reads end (inbound-queue.ts, receiver.ts); `gone` makes the error for a waiter. */
  endReading(gone: () => Error): void;
}

/** The end of a connection: how it went, who waits for it, the close deadline. */
export class Ending {
  promise: Promise<CloseInfo> | null = null;
  resolve: ((info: CloseInfo) => void) | null = null;
  info: CloseInfo | null = null;
  peerCode: number = CloseCode.NoStatus;
  peerReason = '';
  /** The close code we failed the connection with, or 0. */
  failCode = 0;
  timer: NodeJS.Timeout | null = null;
}

function endState(c: Closing): Ending {
  return (c.ending ??= new Ending());
}

function failCode(c: Closing): number {
  return c.ending === null ? 0 : c.ending.failCode;
}

/** See Conn.closed. */
export function closed(c: Closing): Promise<CloseInfo> {
  const e = endState(c);
  if (e.promise === null) {
    e.promise = c.finalized
      ? Promise.resolve(closeInfo(c))
      : new Promise((resolve) => {
          e.resolve = resolve;
        });
  }
  return e.promise;
}

/** See Conn.close. */
export function close(c: Closing, code: number, reason: string): Promise<CloseInfo> {
  if (c.state === OPEN) {
    const payload = encodeClosePayload(code, reason);
    c.state = CLOSING;
    sendClose(c, payload, false);
    armCloseTimer(c);
    if (c.paused) {
      c.paused = false;
      c.resumeReading();
    }
  }
  return closed(c);
}

/** See Conn.terminate. */
export function terminate(c: Closing): void {
  if (c.finalized) return;
  c.terminated = true;
  c.socket.destroy();
  c.handleClose();
}

/**
 * A MessageWriter failed in the middle of its message: nothing else can be
 * sent on the data channel, so close with 1011 (control frames may come
 * between fragments) and let later sends reject.
 */
export function abortMessage(c: Closing, err: Error): void {
  if (c.state !== OPEN) return;
  c.error ??= err;
  endState(c).failCode = CloseCode.InternalError;
  c.state = CLOSING;
  c.closeSent = true;
  out(c).frame(Opcode.Close, true, false, encodeClosePayload(CloseCode.InternalError, 'message aborted'));
  c.sink?.flush();
  armCloseTimer(c);
}

/**
 * Queue the close frame behind the data sends already accepted. An answer
 * (`urgent`) does not wait for a streaming writer in the middle of its
 * message, which may never finish: control frames may come between fragments.
 */
function sendClose(c: Closing, payload: Buffer, urgent: boolean): void {
  const write = (): void => {
    if (c.closeSent || c.finalized) return;
    c.closeSent = true;
    out(c).frame(Opcode.Close, true, false, payload);
    c.sink?.flush();
    if (c.closeReceived || failCode(c) !== 0) c.socket.end();
  };
  if (c.outTail === null || (urgent && c.writerActive)) write();
  else void exclusive(c, write);
}

/** The peer's close frame took effect: answer it (unless we started) and wait for the socket to end. */
export function onPeerClose(c: Closing, code: number, reason: string): void {
  if (c.closeReceived || c.finalized) return;
  c.closeReceived = true;
  const e = endState(c);
  e.peerCode = code;
  e.peerReason = reason;
  if (c.state === OPEN) {
    c.state = CLOSING;
    sendClose(c, code === CloseCode.NoStatus ? EMPTY : encodeClosePayload(code), true);
  } else if (c.closeSent) {
    c.socket.end();
  }
  armCloseTimer(c);
}

/** Fail the connection: close with the error's code (1002, 1007, 1009, ...) and stop reading. */
export function fail(c: Closing, err: Error): void {
  if (c.finalized || failCode(c) !== 0) return;
  c.error ??= err;
  c.stopReading(err);
  c.emitError(err);
  if (c.closeSent || c.state !== OPEN) {
    c.socket.destroy();
    return;
  }
  const code = closeCodeOf(err);
  endState(c).failCode = code;
  c.state = CLOSING;
  sendClose(c, encodeClosePayload(code, truncateReason(err.message)), true);
  armCloseTimer(c);
}

function armCloseTimer(c: Closing): void {
  const e = endState(c);
  if (e.timer !== null || c.finalized) return;
  e.timer = setTimeout(closeTimeout, c.limits.closeTimeoutMs, c);
  e.timer.unref();
}

/** The close timer fired. */
function closeTimeout(c: Closing): void {
  endState(c).timer = null;
  if (c.finalized) return;
  if (!c.closeReceived) c.error ??= new CloseTimeoutError(c.limits.closeTimeoutMs);
  c.socket.destroy();
  c.handleClose();
}

/** Socket 'end'. */
export function socketEnded(c: Closing): void {
  if (!c.closeReceived && c.error === undefined) c.error = peerEventError(abnormalClosure);
  if (c.closeSent || c.closeReceived) c.socket.end();
  else c.socket.destroy();
}

/** Socket 'error'. */
export function socketFailed(c: Closing, err: Error): void {
  if (!c.closeReceived || !c.closeSent) c.error ??= err;
}

/**
 * The connection has ended (socket 'close', or decided here): settle every
 * waiter. Returns how it ended when someone waited for `closed`, else null:
 * most connections end with nobody asking, and the CloseInfo (with an error
 * for an abnormal end) is then made only if `closed` is asked for later.
 */
export function finish(c: Closing): CloseInfo | null {
  c.finalized = true;
  c.state = CLOSED;
  const e = c.ending;
  if (e !== null && e.timer !== null) {
    clearTimeout(e.timer);
    e.timer = null;
  }
  c.deflate?.close();
  // Most connections end with nobody waiting: an error is made only for a waiter to reject.
  rejectDrainWaiters(c, connClosed);
  endControl(c, connClosed);
  c.endReading(connClosed);
  if (e === null || e.resolve === null) return null;
  const info = closeInfo(c);
  e.resolve(info);
  e.resolve = null;
  return info;
}

/** How an ended connection ended, made once (nothing changes it after `finish`). */
export function closeInfo(c: Closing): CloseInfo {
  const e = endState(c);
  if (e.info !== null) return e.info;
  let info: CloseInfo;
  if (c.closeReceived && c.closeSent && c.error === undefined) {
    info = { code: e.peerCode, reason: e.peerReason, wasClean: true };
  } else if (e.failCode !== 0) {
    info = { code: e.failCode, reason: '', wasClean: false, error: c.error };
  } else if (c.terminated && c.error === undefined) {
    info = { code: CloseCode.Abnormal, reason: '', wasClean: false };
  } else {
    const error = c.error ?? peerEventError(abnormalClosure);
    info = { code: CloseCode.Abnormal, reason: '', wasClean: false, error };
  }
  return (e.info = info);
}

function connClosed(): ConnClosedError {
  return new ConnClosedError();
}

function abnormalClosure(): AbnormalClosureError {
  return new AbnormalClosureError();
}

/** The status a connection failed by `err` closes with: the error's own, or 1011 for an error of ours. */
function closeCodeOf(err: Error): number {
  return err instanceof ZwireError && err.closeCode !== undefined ? err.closeCode : CloseCode.InternalError;
}

/** A close reason must fit in 123 bytes; error messages are ASCII, so cut by characters. */
function truncateReason(message: string): string {
  return Buffer.byteLength(message) <= MAX_CLOSE_REASON ? message : Buffer.from(message).subarray(0, MAX_CLOSE_REASON).toString('latin1').replace(/[^\x20-\x7e]/g, '');
}

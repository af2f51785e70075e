import { ZwireError } from '../errors.js';
import { CloseCode, encodeClosePayload, MAX_CLOSE_REASON, Opcode } from '../wire/index.js';
import { CLOSED, CLOSING, defineFlags, EMPTY, OPEN } from './conn-base.js';
import { ConnControl } from './control.js';
import { AbnormalClosureError, CloseTimeoutError, ConnClosedError } from './errors.js';
import type { CloseInfo } from './conn-types.js';

/**
 * The closing handshake and the end of a connection: close frames both ways,
 * failing with the right code, the close deadline, and settling everything
 * that waits once the socket is gone.
 */
export abstract class ConnClosing extends ConnControl {
  /** @internal called once when the connection has ended (a server's bookkeeping; no closure per connection). */
  onEnded: ((conn: this) => void) | null = null;
  /** Made once the end comes into view (closing starts, or someone asks for `closed`). */
  private ending: Ending | null = null;
  declare private closeReceived: boolean;
  declare private terminated: boolean;

  /** Resolves once the socket is gone, with how the connection ended. Never rejects. */
  get closed(): Promise<CloseInfo> {
    const e = this.endState();
    if (e.promise === null) {
      const info = e.info;
      e.promise =
        info !== null
          ? Promise.resolve(info)
          : new Promise((resolve) => {
              e.resolve = resolve;
            });
    }
    return e.promise;
  }

  private endState(): Ending {
    return (this.ending ??= new Ending());
  }

  /** The close code we failed the connection with, or 0. */
  private get failCode(): number {
    return this.ending === null ? 0 : this.ending.failCode;
  }

  /** True until a close frame was sent or the connection ended: `send` works. */
  get isOpen(): boolean {
    return this.state === OPEN;
  }

  /**
   * Start the closing handshake (default 1000) and resolve once the socket is
   * gone; the socket is destroyed if the peer has not finished within
   * `closeTimeoutMs`. Throws RangeError for a code or reason that may not be sent.
   * Messages sent before close() still go out first.
   */
  close(code: number = CloseCode.Normal, reason = ''): Promise<CloseInfo> {
    if (this.state === OPEN) {
      const payload = encodeClosePayload(code, reason);
      this.state = CLOSING;
      this.sendClose(payload);
      this.armCloseTimer();
      if (this.paused) {
        this.paused = false;
        this.resumeReading();
      }
    }
    return this.closed;
  }

  /** Destroy the socket now, without a closing handshake. */
  terminate(): void {
    if (this.finalized) return;
    this.terminated = true;
    this.socket.destroy();
    this.handleClose();
  }

  /**
   * @internal a MessageWriter failed in the middle of its message: nothing else
   * can be sent on the data channel, so close with 1011 (control frames may
   * come between fragments) and let later sends reject.
   */
  abortMessage(err: Error): void {
    if (this.state !== OPEN) return;
    this.error ??= err;
    this.endState().failCode = CloseCode.InternalError;
    this.state = CLOSING;
    this.closeSent = true;
    this.out().frame(Opcode.Close, true, false, encodeClosePayload(CloseCode.InternalError, 'message aborted'));
    this.sink?.flush();
    this.armCloseTimer();
  }

  /**
   * Queue the close frame behind the data sends already accepted. An answer
   * (`urgent`) does not wait for a streaming writer in the middle of its
   * message, which may never finish: control frames may come between fragments.
   */
  private sendClose(payload: Buffer, urgent = false): void {
    const write = (): void => {
      if (this.closeSent || this.finalized) return;
      this.closeSent = true;
      this.out().frame(Opcode.Close, true, false, payload);
      this.sink?.flush();
      if (this.closeReceived || this.failCode !== 0) this.socket.end();
    };
    if (this.outTail === null || (urgent && this.writerActive)) write();
    else void this.exclusive(write);
  }

  /** The peer's close frame took effect: answer it (unless we started) and wait for the socket to end. */
  protected onPeerClose(code: number, reason: string): void {
    if (this.closeReceived || this.finalized) return;
    this.closeReceived = true;
    const e = this.endState();
    e.peerCode = code;
    e.peerReason = reason;
    if (this.state === OPEN) {
      this.state = CLOSING;
      this.sendClose(code === CloseCode.NoStatus ? EMPTY : encodeClosePayload(code), true);
    } else if (this.closeSent) {
      this.socket.end();
    }
    this.armCloseTimer();
  }

  /** Fail the connection: close with the error's code (1002, 1007, 1009, ...) and stop reading. */
  protected fail(err: Error): void {
    if (this.finalized || this.failCode !== 0) return;
    this.error ??= err;
    this.stopReading(err);
    this.emitError(err);
    if (this.closeSent || this.state !== OPEN) {
      this.socket.destroy();
      return;
    }
    const code = closeCodeOf(err);
    this.endState().failCode = code;
    this.state = CLOSING;
    this.sendClose(encodeClosePayload(code, truncateReason(err.message)), true);
    this.armCloseTimer();
  }

  /** No more frames are read; the message being received fails with `err`. */
  protected abstract stopReading(err: Error): void;

  /** The connection is gone: the consumer's reads end. */
  protected abstract endReading(gone: Error): void;

  private armCloseTimer(): void {
    const e = this.endState();
    if (e.timer !== null || this.finalized) return;
    e.timer = setTimeout(closeTimeout, this.limits.closeTimeoutMs, this);
    e.timer.unref();
  }

  /** @internal the close timer fired */
  onCloseTimeout(): void {
    this.endState().timer = null;
    if (this.finalized) return;
    if (!this.closeReceived) this.error ??= new CloseTimeoutError(this.limits.closeTimeoutMs);
    this.socket.destroy();
    this.handleClose();
  }

  /** @internal socket 'end' */
  handleEnd(): void {
    if (!this.closeReceived && this.error === undefined) this.error = new AbnormalClosureError();
    if (this.closeSent || this.closeReceived) this.socket.end();
    else this.socket.destroy();
  }

  /** @internal socket 'error' */
  handleError(err: Error): void {
    if (!this.closeReceived || !this.closeSent) this.error ??= err;
  }

  /** @internal socket 'close' (or the end of the connection decided here) */
  handleClose(): void {
    if (this.finalized) return;
    this.finalized = true;
    this.state = CLOSED;
    const e = this.endState();
    if (e.timer !== null) clearTimeout(e.timer);
    e.timer = null;
    this.deflate?.close();
    const clean = this.closeReceived && this.closeSent && this.error === undefined;
    let info: CloseInfo;
    if (clean) {
      info = { code: e.peerCode, reason: e.peerReason, wasClean: true };
    } else if (e.failCode !== 0) {
      info = { code: e.failCode, reason: '', wasClean: false, error: this.error };
    } else if (this.terminated && this.error === undefined) {
      info = { code: CloseCode.Abnormal, reason: '', wasClean: false };
    } else {
      const error = this.error ?? new AbnormalClosureError();
      info = { code: CloseCode.Abnormal, reason: '', wasClean: false, error };
    }
    const gone = new ConnClosedError();
    this.rejectDrainWaiters(gone);
    this.endControl(gone);
    this.endReading(gone);
    e.info = info;
    e.resolve?.(info);
    e.resolve = null;
    this.onEnded?.(this);
    this.emit('close', info);
  }
}

defineFlags(ConnClosing.prototype, ['closeReceived', 'terminated']);

/** The end of a connection: how it went, who waits for it, the close deadline. */
class Ending {
  promise: Promise<CloseInfo> | null = null;
  resolve: ((info: CloseInfo) => void) | null = null;
  info: CloseInfo | null = null;
  peerCode: number = CloseCode.NoStatus;
  peerReason = '';
  failCode = 0;
  timer: NodeJS.Timeout | null = null;
}

/** The status a connection failed by `err` closes with: the error's own, or 1011 for an error of ours. */
function closeCodeOf(err: Error): number {
  return err instanceof ZwireError && err.closeCode !== undefined ? err.closeCode : CloseCode.InternalError;
}

/** A close reason must fit in 123 bytes; error messages are ASCII, so cut by characters. */
function truncateReason(message: string): string {
  return Buffer.byteLength(message) <= MAX_CLOSE_REASON ? message : Buffer.from(message).subarray(0, MAX_CLOSE_REASON).toString('latin1').replace(/[^\x20-\x7e]/g, '');
}

function closeTimeout(conn: ConnClosing): void {
  conn.onCloseTimeout();
}

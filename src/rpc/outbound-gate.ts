import type { WireData } from './codec.js';
import type { RpcSocket } from './socket.js';

/**
 * Bytes queued in the transport up to which a send is taken as uncongested
 * without looking at its promise (saves a promise reaction per message).
 */
const CONGESTED_BYTES = 64 * 1024;

function noop(): void {}

/**
 * The connection's outbound budget as a session sees it. A send whose promise
 * is still pending means the transport is over its budget; until every such
 * promise has settled, work waits here: answers and stream pumps first, then
 * handlers not yet started. Closing runs all waiting work at once (sends are
 * then dropped), so nothing is left hanging.
 */
export class OutboundGate {
  private blockedSends = 0;
  private closed = false;
  private readonly answers: (() => void)[] = [];
  private readonly starts: (() => void)[] = [];
  private readonly unblock = (): void => {
    if (--this.blockedSends === 0) this.flush();
  };

  constructor(private readonly socket: RpcSocket) {}

  /** Whether the budget has room now. */
  get open(): boolean {
    return this.blockedSends === 0;
  }

  /**
   * Sends one message (dropped once closed); a transport that throws has closed and says so elsewhere.
   * `withTurn`: a reply that goes with publications its call made (RpcSocket.sendWithTurn).
   */
  send(data: WireData, withTurn = false): void {
    if (this.closed) return;
    let p: Promise<void> | void;
    try {
      const socket = this.socket;
      p = withTurn && socket.sendWithTurn !== undefined ? socket.sendWithTurn(data) : socket.send(data);
    } catch {
      return;
    }
    if (p === undefined) return;
    const queued = this.socket.bufferedAmount;
    if (queued !== undefined && queued <= CONGESTED_BYTES) {
      p.catch(noop);
      return;
    }
    this.blockedSends++;
    p.then(this.unblock, this.unblock);
  }

  /** Runs an answer now if the budget has room, else once it has (before any waiting start). */
  answer(job: () => void): void {
    if (this.blockedSends === 0) job();
    else this.answers.push(job);
  }

  /** Runs a handler start now if the budget has room, else once it has. */
  start(job: () => void): void {
    if (this.blockedSends === 0) job();
    else this.starts.push(job);
  }

  /** Null while the budget has room, else a promise that settles when it has. */
  writable(): Promise<void> | null {
    if (this.blockedSends === 0) return null;
    return new Promise((resolve) => this.answers.push(resolve));
  }

  /** The transport is gone: whatever waits runs now (its sends are dropped). */
  close(): void {
    this.closed = true;
    this.blockedSends = 0;
    this.flush();
  }

  private flush(): void {
    while (this.blockedSends === 0 || this.closed) {
      const job = this.answers.shift() ?? this.starts.shift();
      if (job === undefined) return;
      job();
    }
  }
}

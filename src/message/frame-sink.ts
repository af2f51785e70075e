import type { Duplex } from 'node:stream';
import { createHeader, headerSize, maskKey, maskRange, writeHeader } from '../wire/index.js';

/** Size of the shared slabs small frames are encoded into. */
const SLAB_SIZE = 64 * 1024;
/** Payloads above this are written as their own buffer (unmasked) instead of copied into a slab. */
const COPY_LIMIT = 8 * 1024;
/**
 * At a flush, queued pieces up to this size are gathered into the slab: a copy this small costs
 * less than a write request of its own in the socket's writev; larger ones are written as they are.
 */
const GATHER_LIMIT = 512;
/**
 * Shared frames are written at once, not at the end of the turn, once this many bytes wait:
 * a burst of publications in one turn then goes to the kernel as it comes, and only what the
 * socket cannot take counts against the connection's outbound budget.
 */
const EARLY_FLUSH = 64 * 1024;

/**
 * One slab shared by every connection, used as a bump allocator: a frame is
 * encoded at the current position, which then moves past it. Bytes handed to
 * a socket are never touched again, so a slab is simply replaced when full and
 * lives on only as long as writes still reference it. An idle connection holds
 * no output buffer at all.
 */
let slab: Buffer = Buffer.allocUnsafe(SLAB_SIZE);
let slabPos = 0;

/** The header being encoded: frames are encoded one at a time, so one object serves every sink. */
const scratch = createHeader();

/** Reserve n contiguous bytes in the shared slab; returns the offset (slab may be replaced). */
function reserve(n: number): number {
  if (slabPos + n > slab.length) {
    slab = Buffer.allocUnsafe(n > SLAB_SIZE ? n : SLAB_SIZE);
    slabPos = 0;
  }
  const at = slabPos;
  slabPos += n;
  return at;
}

/** What holds a sink while it has frames to write: a connection. */
export interface SinkOwner {
  sink: FrameSink | null;
}

/** Sinks with nothing to write, kept for the next connection that writes. */
const spares: FrameSink[] = [];
const MAX_SPARES = 256;

/**
 * A sink for `owner`'s socket, held (in `owner.sink`) until everything encoded
 * into it is handed to the socket; then it goes back to the spares. A sink
 * only has state between a frame and the end of its tick, so an idle
 * connection holds none.
 */
export function takeSink(owner: SinkOwner, socket: Duplex, masked: boolean): FrameSink {
  const sink = spares.pop() ?? new FrameSink();
  sink.owner = owner;
  sink.socket = socket;
  sink.masked = masked;
  owner.sink = sink;
  return sink;
}

/**
 * Serializes frames onto one socket. Small frames are encoded straight into
 * the shared slab; everything a connection encodes in one tick goes out as one
 * write (one syscall for a whole batch of echoes), since its frames usually lie
 * back to back. Large unmasked payloads are written as they are, header and
 * payload under one cork (writev).
 */
export class FrameSink {
  /** @internal set by takeSink */
  owner: SinkOwner | null = null;
  /** @internal set by takeSink */
  socket: Duplex | null = null;
  /** @internal set by takeSink */
  masked = false;
  /** The slab holding the current contiguous run of this socket's unwritten frames, or null. */
  private runSlab: Buffer | null = null;
  private runStart = 0;
  private runEnd = 0;
  /** Earlier runs of this batch that were not contiguous with the current one. */
  private parts: Buffer[] | null = null;
  private partsBytes = 0;
  private scheduled = false;
  /** @internal in the per-turn flush list (see `shared`). */
  inTurn = false;

  /** Bytes encoded and not yet handed to the socket. */
  get pending(): number {
    return this.runEnd - this.runStart + this.partsBytes;
  }

  /**
   * Queue a frame with a byte payload. Copies the payload unless it is large and unmasked.
   * `withTurn`: written with this turn's shared frames (see `shared`) instead of at the end of
   * this tick, so a frame that goes with publications (a reply to the call that made them)
   * costs the socket no write of its own.
   */
  frame(opcode: number, fin: boolean, rsv1: boolean, payload: Uint8Array, withTurn = false): void {
    const len = payload.length;
    if (len > COPY_LIMIT && !this.masked) {
      this.header(opcode, fin, rsv1, len, 0);
      const s = this.socket as Duplex;
      s.cork();
      this.flush();
      if (!s.destroyed && s.writable) s.write(payload);
      s.uncork();
      return;
    }
    const at = this.header(opcode, fin, rsv1, len, len);
    slab.set(payload, at);
    if (this.masked) maskRange(slab, at, at + len, scratch.mask);
    if (withTurn) this.joinTurn();
    else this.schedule();
  }

  /** Queue a frame whose payload is `text` encoded as UTF-8 (encoded straight into the slab); `withTurn` as for `frame`. */
  text(opcode: number, fin: boolean, text: string, withTurn = false): void {
    const len = Buffer.byteLength(text);
    if (len > COPY_LIMIT) {
      this.frame(opcode, fin, false, Buffer.from(text), withTurn);
      return;
    }
    const at = this.header(opcode, fin, false, len, len);
    slab.write(text, at, len, 'utf8');
    if (this.masked) maskRange(slab, at, at + len, scratch.mask);
    if (withTurn) this.joinTurn();
    else this.schedule();
  }

  /**
   * Queue a whole frame that other sockets share (a hub publication, unmasked,
   * never modified), by reference. The batch is written once per event-loop
   * turn, so a socket receiving many publications in a turn gets one write
   * (unless a frame of its own flushes it earlier, in the same order, or
   * EARLY_FLUSH bytes wait).
   */
  shared(frame: Buffer): void {
    if (this.runSlab !== null) {
      this.pushPart(this.runSlab.subarray(this.runStart, this.runEnd));
      this.runSlab = null;
      this.runStart = this.runEnd = 0;
    }
    this.pushPart(frame);
    if (this.partsBytes >= EARLY_FLUSH) {
      this.flush();
      return;
    }
    this.joinTurn();
  }

  /** Have the batch written at the end of the event-loop turn, unless a flush is on its way already. */
  private joinTurn(): void {
    if (this.scheduled || this.inTurn) return;
    this.inTurn = true;
    turn.push(this);
    if (turn.length === 1) setImmediate(flushTurn);
  }

  /**
   * Hand everything encoded so far to the socket. Unless a flush is still
   * scheduled, the sink then goes back to the spares: its owner must take a
   * sink again (`takeSink`) for its next frame.
   */
  flush(): void {
    const run = this.runSlab;
    const parts = this.parts;
    const s = this.socket as Duplex;
    if (!this.scheduled) this.release();
    const queued = parts === null ? 0 : parts.length;
    if (run === null && queued === 0) return;
    const last = run === null ? null : run.subarray(this.runStart, this.runEnd);
    this.runSlab = null;
    this.runStart = this.runEnd = 0;
    this.partsBytes = 0;
    if (s.destroyed || !s.writable) {
      if (parts !== null) parts.length = 0;
      return;
    }
    if (parts === null || queued === 0) {
      s.write(last as Buffer);
      return;
    }
    if (last === null && queued === 1) s.write(parts[0]);
    else {
      if (last !== null) parts.push(last);
      writeGathered(s, parts);
    }
    // The array stays with the sink (sinks are pooled): the next batch reuses it.
    parts.length = 0;
  }

  private release(): void {
    const owner = this.owner;
    if (owner === null) return;
    if (owner.sink === this) owner.sink = null;
    this.owner = null;
    this.socket = null;
    if (spares.length < MAX_SPARES) spares.push(this);
  }

  /**
   * Encode a header for a payload of `len` bytes into the shared slab, with
   * `copy` more bytes reserved behind it for the payload. Returns where the payload goes.
   */
  private header(opcode: number, fin: boolean, rsv1: boolean, len: number, copy: number): number {
    const h = scratch;
    h.fin = fin;
    h.rsv1 = rsv1;
    h.opcode = opcode;
    h.masked = this.masked;
    h.length = len;
    // the key lives in the scratch header until the payload is masked with it
    if (this.masked) maskKey(h.mask);
    const hs = headerSize(h);
    const at = reserve(hs + copy);
    this.extendRun(at, hs + copy);
    return at + writeHeader(h, slab, at);
  }

  /** Add [at, at+n) of the current slab to this socket's batch, merging with the run when adjacent. */
  private extendRun(at: number, n: number): void {
    const run = this.runSlab;
    if (run === slab && this.runEnd === at) {
      this.runEnd = at + n;
      return;
    }
    if (run !== null) this.pushPart(run.subarray(this.runStart, this.runEnd));
    this.runSlab = slab;
    this.runStart = at;
    this.runEnd = at + n;
  }

  private pushPart(part: Buffer): void {
    (this.parts ??= []).push(part);
    this.partsBytes += part.length;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    process.nextTick(flushScheduled, this);
  }

  /** @internal called from the tick queue */
  runScheduled(): void {
    this.scheduled = false;
    this.flush();
  }
}

function flushScheduled(sink: FrameSink): void {
  sink.runScheduled();
}

/**
 * Write `parts` in order as few pieces: runs of small ones are copied back to
 * back into the slab (exactly the bytes they need), large ones go as they are;
 * several pieces go as one writev.
 */
function writeGathered(s: Duplex, parts: Buffer[]): void {
  let small = 0;
  for (const p of parts) if (p.length <= GATHER_LIMIT) small += p.length;
  const at = small > 0 ? reserve(small) : 0;
  const into = slab;
  let start = at;
  let end = at;
  s.cork();
  for (const p of parts) {
    if (p.length <= GATHER_LIMIT) {
      into.set(p, end);
      end += p.length;
      continue;
    }
    if (end > start) s.write(into.subarray(start, end));
    start = end;
    s.write(p);
  }
  if (end > start) s.write(into.subarray(start, end));
  s.uncork();
}

/** Sinks holding shared frames, written together at the end of the event-loop turn. */
let turn: FrameSink[] = [];

function flushTurn(): void {
  const sinks = turn;
  turn = [];
  for (const sink of sinks) {
    sink.inTurn = false;
    sink.flush();
  }
}

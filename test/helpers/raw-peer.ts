/**
 * One end of a WebSocket connection driven by hand, after the opening handshake: the test
 * writes arbitrary bytes in arbitrary TCP chops and reads back what the peer under test did
 * (messages, pongs, the close frame, the TCP close), with every frame it sent checked against
 * RFC 6455 so a malformed reply fails the test too.
 */
import type { Socket } from 'node:net';
import { isUtf8 } from 'node:buffer';
import { setImmediate as tick } from 'node:timers/promises';
import { FrameReader, type RawFrame } from './frame-reader.js';
import { Utf8Prefix } from './utf8-check.js';
import { OP, buildFrame, chop, closePayload, type FrameSpec } from './frame-builder.js';
import { Conditions } from './conditions.js';

export type PeerEvent =
  | { type: 'message'; binary: boolean; data: Buffer }
  | { type: 'ping'; data: Buffer }
  | { type: 'pong'; data: Buffer }
  | { type: 'mark'; label: string }
  | { type: 'violation'; reason: string };

export interface CloseFrameInfo {
  /** null when the close frame had no payload. */
  code: number | null;
  reason: Buffer;
}

export interface SendOptions {
  /** Write the bytes in TCP writes of at most this many bytes, yielding between writes. */
  chop?: number;
  /** Write each frame on its own (Autobahn's sync = True); otherwise all frames go out in one write. */
  sync?: boolean;
}

/** Close codes a peer may put on the wire (RFC 6455 7.4, IANA registry). */
export function isWireCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

export class RawPeer {
  /** Everything the peer sent, in order; the close frame is kept apart in `closeFrame`. */
  readonly events: PeerEvent[] = [];
  closeFrame: CloseFrameInfo | null = null;
  tcpClosed = false;
  /** We sent a close frame (so the peer's close frame is a reply, not a failure). */
  sentClose = false;
  /**
   * When set, writes without an explicit chop size are cut into pieces of the sizes it returns
   * (given the bytes left to write), to check the peer does not depend on TCP boundaries.
   */
  chopper: ((remaining: number) => number) | null = null;
  /** Answer the peer's pings (as any endpoint must); off to play a dead peer. */
  autoPong = true;

  private readonly reader = new FrameReader();
  private consumed = 0;
  private message: { binary: boolean; parts: Buffer[]; utf8: Utf8Prefix | null } | null = null;
  private readonly conditions = new Conditions();
  private lastMaskKey: number | null = null;

  /**
   * @param socket connected socket, handshake done
   * @param role the role this test end plays: 'client' masks what it sends and expects unmasked frames
   * @param head bytes that arrived after the handshake response/request
   */
  constructor(
    readonly socket: Socket,
    readonly role: 'client' | 'server',
    head: Buffer = Buffer.alloc(0),
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // A reset by the peer under test is an outcome we observe as the TCP close, not a test crash.
    socket.on('error', () => {});
    socket.on('close', () => {
      this.tcpClosed = true;
      this.conditions.wake();
    });
    if (head.length > 0) this.onData(head);
    socket.resume();
  }

  /** Writes frames (masked when this end is the client unless the spec says otherwise). */
  async send(frames: FrameSpec | FrameSpec[], opts: SendOptions = {}): Promise<void> {
    const list = Array.isArray(frames) ? frames : [frames];
    const bytes = list.map((f) => buildFrame({ ...f, mask: f.mask ?? this.role === 'client' }));
    // A close frame with RSV bits is a protocol violation under test, not the start of a close handshake.
    if (list.some((f) => f.opcode === OP.close && !f.rsv)) this.sentClose = true;
    if (opts.sync) {
      for (const b of bytes) {
        await this.sendRaw(b, opts.chop);
        await tick();
      }
    } else {
      await this.sendRaw(Buffer.concat(bytes), opts.chop);
    }
  }

  /** Sends a close frame with this code/reason (no code: empty payload). */
  sendClose(code?: number, reason: Uint8Array | string = ''): Promise<void> {
    return this.send({ opcode: OP.close, payload: closePayload(code, reason) });
  }

  /** Writes raw bytes, optionally in chops; silently stops once the connection is gone. */
  async sendRaw(bytes: Uint8Array, chopSize?: number): Promise<void> {
    const pieces = chopSize ? chop(bytes, chopSize) : this.chopper ? cutWith(bytes, this.chopper) : [Buffer.from(bytes)];
    for (let i = 0; i < pieces.length; i++) {
      if (this.tcpClosed || this.socket.destroyed || this.socket.writableEnded) return;
      const ok = await new Promise<boolean>((resolve) => this.socket.write(pieces[i], (err) => resolve(!err)));
      if (!ok) return;
      if (i < pieces.length - 1) await tick();
    }
  }

  /** Records a named point in the event list, as Autobahn's ("timeout", label). */
  mark(label: string): void {
    this.events.push({ type: 'mark', label });
  }

  /** The next event not yet taken by nextEvent(); rejects after timeoutMs. */
  async nextEvent(timeoutMs: number): Promise<PeerEvent> {
    const ok = await this.waitUntil(() => this.events.length > this.consumed || this.closeFrame !== null || this.tcpClosed, timeoutMs);
    if (this.events.length > this.consumed) return this.events[this.consumed++];
    throw new Error(ok ? `connection closed while waiting for an event (close frame: ${describeClose(this.closeFrame)})` : `no event within ${timeoutMs} ms`);
  }

  /** Events not taken by nextEvent(). */
  pending(): PeerEvent[] {
    return this.events.slice(this.consumed);
  }

  /** True once the peer sent a close frame or dropped TCP, false after timeoutMs. */
  waitCloseOrDrop(timeoutMs: number): Promise<boolean> {
    return this.waitUntil(() => this.closeFrame !== null || this.tcpClosed, timeoutMs);
  }

  waitTcpClose(timeoutMs: number): Promise<boolean> {
    return this.waitUntil(() => this.tcpClosed, timeoutMs);
  }

  /** Resolves true when pred() holds (checked on every received frame/close), false after timeoutMs. */
  waitUntil(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    return this.conditions.until(pred, timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private violation(reason: string): void {
    this.events.push({ type: 'violation', reason });
  }

  private onData(chunk: Buffer): void {
    this.reader.push(chunk);
    try {
      for (let f = this.reader.next(); f; f = this.reader.next()) this.onFrame(f);
    } catch (err) {
      this.violation(`unparseable frame: ${(err as Error).message}`);
      this.socket.destroy();
    }
    this.conditions.wake();
  }

  private onFrame(f: RawFrame): void {
    const op = f.opcode;
    if (this.closeFrame) return this.violation(`frame (opcode ${op}) after the close frame`);
    if (f.masked !== (this.role === 'server')) {
      this.violation(this.role === 'server' ? 'client frame not masked' : 'server frame masked');
    }
    if (f.maskKey !== null) {
      // RFC 6455 5.3: a fresh, unpredictable key per frame; two equal keys in a row (1 in 2^32 by chance) mean it is not.
      if (f.maskKey === this.lastMaskKey) this.violation(`masking key ${f.maskKey.toString(16)} reused`);
      this.lastMaskKey = f.maskKey;
    }
    if (f.rsv !== 0) this.violation(`RSV bits ${f.rsv} set without an extension`);
    if (op >= 8) {
      if (!f.fin) this.violation(`fragmented control frame (opcode ${op})`);
      if (f.payload.length > 125) this.violation(`control frame payload of ${f.payload.length} bytes`);
    }
    switch (op) {
      case OP.text:
      case OP.binary:
        if (this.message) this.violation('new data frame inside a fragmented message');
        this.message = { binary: op === OP.binary, parts: [], utf8: op === OP.text ? new Utf8Prefix() : null };
        return this.addFragment(f);
      case OP.cont:
        if (!this.message) return this.violation('continuation frame without a message');
        return this.addFragment(f);
      case OP.ping:
        this.events.push({ type: 'ping', data: f.payload });
        if (this.autoPong && !this.sentClose) void this.send({ opcode: OP.pong, payload: f.payload });
        return;
      case OP.pong:
        this.events.push({ type: 'pong', data: f.payload });
        return;
      case OP.close:
        return this.onClose(f.payload);
      default:
        this.violation(`reserved opcode ${op}`);
    }
  }

  /** Text is checked fragment by fragment: invalid UTF-8 sent is a violation even if the message never ends. */
  private addFragment(f: RawFrame): void {
    const m = this.message!;
    m.parts.push(f.payload);
    if (m.utf8 && !m.utf8.write(f.payload)) {
      m.utf8 = null;
      this.violation('text fragment with invalid UTF-8');
    }
    if (!f.fin) return;
    this.message = null;
    const data = m.parts.length === 1 ? m.parts[0] : Buffer.concat(m.parts);
    if (!m.binary && m.utf8 && !m.utf8.complete()) this.violation('text message ends inside a code point');
    this.events.push({ type: 'message', binary: m.binary, data });
  }

  private onClose(payload: Buffer): void {
    if (payload.length === 1) this.violation('close payload of 1 byte');
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : null;
    const reason = payload.subarray(2);
    if (code !== null && !isWireCloseCode(code)) this.violation(`close code ${code} is not valid on the wire`);
    if (!isUtf8(reason)) this.violation('close reason is not valid UTF-8');
    this.closeFrame = { code, reason };
  }
}

function cutWith(bytes: Uint8Array, size: (remaining: number) => number): Buffer[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; ) {
    const n = Math.max(1, size(b.length - i));
    out.push(b.subarray(i, i + n));
    i += n;
  }
  return out.length ? out : [b];
}

export function describeClose(c: CloseFrameInfo | null): string {
  if (!c) return 'none';
  return c.code === null ? 'empty' : `${c.code}${c.reason.length ? ` "${c.reason.toString()}"` : ''}`;
}

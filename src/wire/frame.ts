import { randomFillSync } from 'node:crypto';
import { encodeClosePayload } from './close.js';
import { createHeader, headerSize, writeHeader } from './header.js';
import type { FrameHeader } from './header.js';
import { mask } from './mask.js';
import { Opcode } from './opcode.js';

/** A frame: header and the application (unmasked) payload. */
export interface Frame {
  header: FrameHeader;
  payload: Uint8Array;
}

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data) : data;
}

/** The largest control frame payload (RFC 6455 §5.5). */
const MAX_CONTROL_PAYLOAD = 125;

function makeFrame(opcode: number, payload: Uint8Array): Frame {
  if (opcode >= Opcode.Close && payload.length > MAX_CONTROL_PAYLOAD) {
    throw new RangeError(`control frame payload is ${payload.length} bytes; at most ${MAX_CONTROL_PAYLOAD}`);
  }
  return { header: createHeader({ opcode, length: payload.length }), payload };
}

/** A final text frame. Strings are encoded as UTF-8; bytes are taken as they are. */
export function textFrame(data: string | Uint8Array): Frame {
  return makeFrame(Opcode.Text, toBytes(data));
}

/** A final binary frame. */
export function binaryFrame(data: Uint8Array): Frame {
  return makeFrame(Opcode.Binary, data);
}

/** A ping frame. Throws RangeError for a payload over 125 bytes. */
export function pingFrame(payload: Uint8Array = new Uint8Array(0)): Frame {
  return makeFrame(Opcode.Ping, payload);
}

/** A pong frame. Throws RangeError for a payload over 125 bytes. */
export function pongFrame(payload: Uint8Array = new Uint8Array(0)): Frame {
  return makeFrame(Opcode.Pong, payload);
}

/** A close frame; without a code its payload is empty. Throws RangeError on a code or reason that may not be sent. */
export function closeFrame(code?: number, reason?: string): Frame {
  return makeFrame(Opcode.Close, encodeClosePayload(code, reason));
}

const POOL_SIZE = 4096;
const keyPool = Buffer.allocUnsafe(POOL_SIZE);
let keyPos = POOL_SIZE;

/** Write 4 fresh random mask bytes into out at offset, drawing from a randomFillSync pool. */
function writeMaskKey(out: Uint8Array, offset: number): void {
  if (keyPos === POOL_SIZE) {
    randomFillSync(keyPool);
    keyPos = 0;
  }
  out[offset] = keyPool[keyPos];
  out[offset + 1] = keyPool[keyPos + 1];
  out[offset + 2] = keyPool[keyPos + 2];
  out[offset + 3] = keyPool[keyPos + 3];
  keyPos += 4;
}

/** Four random bytes for a client's masking key (RFC 6455 §5.3), written into `key` when given (a hot path then allocates none). */
export function maskKey(key: Uint8Array = new Uint8Array(4)): Uint8Array {
  writeMaskKey(key, 0);
  return key;
}

/**
 * Return a copy of the frame marked masked with a fresh random key. The
 * payload is not touched: it is XORed on the way out by compileFrame/encodeFrame.
 */
export function maskFrame(frame: Frame): Frame {
  return { header: { ...frame.header, masked: true, mask: maskKey() }, payload: frame.payload };
}

/** Header and payload of `frame` in one new buffer, the payload masked if the header says so. */
export function compileFrame(frame: Frame): Buffer {
  const h = frame.header;
  if (h.length !== frame.payload.length) throw new RangeError('header length does not match the payload');
  const size = headerSize(h);
  const out = Buffer.allocUnsafe(size + h.length);
  writeHeader(h, out, 0);
  out.set(frame.payload, size);
  if (h.masked) mask(out.subarray(size), h.mask, 0);
  return out;
}

/** Options of encodeFrame. */
export interface EncodeOptions {
  /** Final fragment of the message. Default true. */
  fin?: boolean;
  /** RSV1: the message is compressed (permessage-deflate, first fragment only). */
  rsv1?: boolean;
  /** Mask with a fresh random key, as a client must. */
  mask?: boolean;
  /** The caller gives up the payload buffer, so masking may XOR it in place instead of copying. */
  ownsPayload?: boolean;
}

/** Payloads up to this size are copied behind the header: one buffer, one write, from Node's pool. */
const MERGE_LIMIT = 4096 - 14;

const scratchHeader = createHeader();

/**
 * Serialize one frame for a corked or vectored write: one buffer for small
 * payloads, otherwise [header, payload] with the payload not copied (unless it
 * must be masked and is not owned). Strings are encoded as UTF-8 straight into
 * the output. Throws RangeError for a control frame over 125 bytes or not final.
 */
export function encodeFrame(opcode: number, payload: Uint8Array | string, opts: EncodeOptions = {}): Uint8Array[] {
  const masked = opts.mask === true;
  const isString = typeof payload === 'string';
  const len = isString ? Buffer.byteLength(payload) : payload.length;
  if (opcode >= Opcode.Close && (len > MAX_CONTROL_PAYLOAD || opts.fin === false)) {
    throw new RangeError('control frames carry at most 125 bytes and cannot be fragmented');
  }
  const h = scratchHeader;
  h.fin = opts.fin !== false;
  h.rsv1 = opts.rsv1 === true;
  h.opcode = opcode;
  h.masked = false;
  h.length = len;
  const size = headerSize({ length: len, masked });
  const merge = len <= MERGE_LIMIT || (masked && !isString && opts.ownsPayload !== true);
  const out = Buffer.allocUnsafe(merge ? size + len : size);
  writeHeader(h, out, 0);
  if (merge) {
    if (isString) out.write(payload, size);
    else out.set(payload, size);
    if (masked) maskAt(out, size, out, size);
    return [out];
  }
  const body = isString ? Buffer.from(payload) : payload;
  if (masked) maskAt(out, size, body, 0);
  return [out, body];
}

/** Set the mask bit and a fresh key in the header ending at headerEnd, and mask data from `from` on. */
function maskAt(header: Buffer, headerEnd: number, data: Uint8Array, from: number): void {
  header[1] |= 0x80;
  writeMaskKey(header, headerEnd - 4);
  mask(from === 0 ? data : data.subarray(from), header.subarray(headerEnd - 4, headerEnd), 0);
}

function control(b0: number, payload: number[]): Buffer {
  return Buffer.from([b0, payload.length, ...payload]);
}

/**
 * Precompiled unmasked control frames, as a server sends them. Shared and
 * read-only: pass them to write(), never modify them.
 */
export const Compiled = {
  ping: control(0x89, []),
  pong: control(0x8a, []),
  closeEmpty: control(0x88, []),
  closeNormal: control(0x88, [0x03, 0xe8]),
  closeGoingAway: control(0x88, [0x03, 0xe9]),
  closeProtocolError: control(0x88, [0x03, 0xea]),
  closeInvalidPayload: control(0x88, [0x03, 0xef]),
  closeTooBig: control(0x88, [0x03, 0xf1]),
} as const;

import { InvalidPayloadError, ProtocolError } from './errors.js';
import { isValidUtf8 } from './utf8.js';

/** RFC 6455 §7.4.1 status codes (and IANA-registered 1012-1015). */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  NoStatus: 1005,
  Abnormal: 1006,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  MandatoryExtension: 1010,
  InternalError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  BadGateway: 1014,
  TLSHandshake: 1015,
} as const;

/** The longest close reason: 125 bytes of control payload less the 2-byte code. */
export const MAX_CLOSE_REASON = 123;

/**
 * Whether `code` may appear in a close frame (§7.4): 1000-1003, 1007-1014 and
 * 3000-4999. 1004-1006 and 1015 are reserved for local use, the rest is unassigned.
 */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)
  );
}

/**
 * The payload of a close frame. Without a code the payload is empty.
 * Throws RangeError for a code that may not be sent or a reason over 123 bytes.
 */
export function encodeClosePayload(code?: number, reason = ''): Buffer {
  if (code === undefined) {
    if (reason !== '') throw new RangeError('a close reason needs a close code');
    return Buffer.alloc(0);
  }
  if (!Number.isInteger(code) || !isValidCloseCode(code)) throw new RangeError(`invalid close code ${code}`);
  const len = Buffer.byteLength(reason);
  if (len > MAX_CLOSE_REASON) throw new RangeError(`close reason is ${len} bytes; at most ${MAX_CLOSE_REASON}`);
  const out = Buffer.allocUnsafe(2 + len);
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  out.write(reason, 2);
  return out;
}

/** A decoded close payload. An empty payload reads as 1005 (no status received). */
export interface ClosePayload {
  code: number;
  reason: string;
}

/**
 * Decode a received close payload. Throws ProtocolError (1002) for a 1-byte
 * payload or an invalid code, InvalidPayloadError (1007) for a reason that is not UTF-8.
 */
export function parseClosePayload(payload: Uint8Array): ClosePayload {
  if (payload.length === 0) return { code: CloseCode.NoStatus, reason: '' };
  if (payload.length === 1) throw new ProtocolError('ERR_CLOSE_PAYLOAD', 'close payload of 1 byte');
  const code = (payload[0] << 8) | payload[1];
  if (!isValidCloseCode(code)) throw new ProtocolError('ERR_CLOSE_CODE', `invalid close code ${code}`);
  const reasonBytes = payload.subarray(2);
  if (!isValidUtf8(reasonBytes)) throw new InvalidPayloadError('ERR_INVALID_UTF8', 'close reason is not valid UTF-8');
  const reason = Buffer.from(reasonBytes.buffer, reasonBytes.byteOffset, reasonBytes.length).toString('utf8');
  return { code, reason };
}

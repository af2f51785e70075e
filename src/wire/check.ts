import { ProtocolError } from './errors.js';
import type { FrameHeader } from './header.js';
import { isControl, isReserved, Opcode } from './opcode.js';

/** Which side of the connection an endpoint is: servers read masked frames, clients send them. */
export type Role = 'server' | 'client';

/** Bits of the `rsv` mask: which reserved bits a negotiated extension owns. */
export const RSV1 = 4;
export const RSV2 = 2;
export const RSV3 = 1;

/** What the header check needs to know about the connection. */
export interface HeaderState {
  role: Role;
  /** Reserved bits owned by negotiated extensions (RSV1 | RSV2 | RSV3); 0 without extensions. */
  rsv: number;
  /** A fragmented data message has started and not yet finished. */
  inMessage: boolean;
}

/**
 * Check a received header against RFC 6455 §5 for this role and state.
 * Returns the error to fail the connection with, or null when the header is acceptable.
 * Extension bits are accepted only on the first frame of a data message
 * (RFC 7692 §6: never on control frames or continuations).
 */
export function checkHeader(h: FrameHeader, s: HeaderState): ProtocolError | null {
  const op = h.opcode;
  if (isReserved(op)) return new ProtocolError('ERR_RESERVED_OPCODE', `reserved opcode ${op}`);
  const bits = (h.rsv1 ? RSV1 : 0) | (h.rsv2 ? RSV2 : 0) | (h.rsv3 ? RSV3 : 0);
  if (bits !== 0 && ((bits & ~s.rsv) !== 0 || op === Opcode.Continuation || isControl(op))) {
    return new ProtocolError('ERR_RSV', `reserved bits 0x${bits.toString(16)} set without an extension that owns them`);
  }
  if (s.role === 'server' && !h.masked) return new ProtocolError('ERR_UNMASKED', 'client frames must be masked');
  if (s.role === 'client' && h.masked) return new ProtocolError('ERR_MASKED', 'server frames must not be masked');
  if (isControl(op)) {
    if (h.length > 125) return new ProtocolError('ERR_CONTROL_TOO_LONG', 'control frame payload longer than 125 bytes');
    if (!h.fin) return new ProtocolError('ERR_CONTROL_FRAGMENTED', 'control frames must not be fragmented');
    return null;
  }
  if (op === Opcode.Continuation) {
    if (!s.inMessage) return new ProtocolError('ERR_UNEXPECTED_CONTINUATION', 'continuation frame without a started message');
  } else if (s.inMessage) {
    return new ProtocolError('ERR_EXPECTED_CONTINUATION', 'new data frame inside an unfinished message');
  }
  return null;
}

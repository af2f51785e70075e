import { describe, expect, it } from 'vitest';
import { checkHeader, createHeader, ProtocolError, RSV1, RSV2, RSV3 } from '../../src/wire/index.js';
import type { FrameHeader, HeaderState } from '../../src/wire/index.js';

const server: HeaderState = { role: 'server', rsv: 0, inMessage: false };
const client: HeaderState = { role: 'client', rsv: 0, inMessage: false };

/** A frame as a client sends it (masked), unless overridden. */
function frame(init: Partial<FrameHeader>): FrameHeader {
  return createHeader({ masked: true, ...init });
}

function codeOf(h: FrameHeader, s: HeaderState): string | null {
  const err = checkHeader(h, s);
  if (err === null) return null;
  expect(err).toBeInstanceOf(ProtocolError);
  expect(err.closeCode).toBe(1002);
  return err.code;
}

describe('checkHeader (RFC 6455 §5)', () => {
  it('accepts well-formed data and control frames', () => {
    for (const opcode of [1, 2, 8, 9, 10]) expect(codeOf(frame({ opcode }), server)).toBeNull();
    for (const opcode of [1, 2, 8, 9, 10]) expect(codeOf(frame({ opcode, masked: false }), client)).toBeNull();
  });

  it('rejects reserved opcodes 3-7 and 11-15 (§5.2)', () => {
    for (const opcode of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) {
      expect(codeOf(frame({ opcode }), server)).toBe('ERR_RESERVED_OPCODE');
      expect(codeOf(frame({ opcode, masked: false }), client)).toBe('ERR_RESERVED_OPCODE');
    }
  });

  it('rejects control frames longer than 125 bytes (§5.5)', () => {
    for (const opcode of [8, 9, 10]) {
      expect(codeOf(frame({ opcode, length: 125 }), server)).toBeNull();
      expect(codeOf(frame({ opcode, length: 126 }), server)).toBe('ERR_CONTROL_TOO_LONG');
      expect(codeOf(frame({ opcode, length: 65536 }), server)).toBe('ERR_CONTROL_TOO_LONG');
    }
  });

  it('rejects fragmented control frames (§5.5)', () => {
    for (const opcode of [8, 9, 10]) expect(codeOf(frame({ opcode, fin: false }), server)).toBe('ERR_CONTROL_FRAGMENTED');
  });

  it('rejects every RSV combination without an extension (§5.2)', () => {
    for (let bits = 1; bits < 8; bits++) {
      const h = frame({ opcode: 1, rsv1: (bits & 4) !== 0, rsv2: (bits & 2) !== 0, rsv3: (bits & 1) !== 0 });
      expect(codeOf(h, server)).toBe('ERR_RSV');
    }
  });

  it('accepts only the RSV bits a negotiated extension owns, on the first frame of a data message', () => {
    const deflate: HeaderState = { ...server, rsv: RSV1 };
    expect(codeOf(frame({ opcode: 1, rsv1: true }), deflate)).toBeNull();
    expect(codeOf(frame({ opcode: 2, rsv1: true, fin: false }), deflate)).toBeNull();
    expect(codeOf(frame({ opcode: 1, rsv2: true }), deflate)).toBe('ERR_RSV');
    expect(codeOf(frame({ opcode: 1, rsv1: true, rsv3: true }), deflate)).toBe('ERR_RSV');
    expect(codeOf(frame({ opcode: 0, rsv1: true }), { ...deflate, inMessage: true })).toBe('ERR_RSV');
    expect(codeOf(frame({ opcode: 9, rsv1: true }), deflate)).toBe('ERR_RSV');
    const all: HeaderState = { ...server, rsv: RSV1 | RSV2 | RSV3 };
    expect(codeOf(frame({ opcode: 2, rsv1: true, rsv2: true, rsv3: true }), all)).toBeNull();
  });

  it('requires client frames to be masked on the server side (§5.1)', () => {
    for (const opcode of [0, 1, 2, 8, 9, 10]) {
      const s = { ...server, inMessage: opcode === 0 };
      expect(codeOf(frame({ opcode, masked: false }), s)).toBe('ERR_UNMASKED');
    }
  });

  it('requires server frames to be unmasked on the client side (§5.1)', () => {
    for (const opcode of [0, 1, 2, 8, 9, 10]) {
      const s = { ...client, inMessage: opcode === 0 };
      expect(codeOf(frame({ opcode, masked: true }), s)).toBe('ERR_MASKED');
    }
  });

  it('rejects a continuation frame without a started message (§5.4)', () => {
    expect(codeOf(frame({ opcode: 0 }), server)).toBe('ERR_UNEXPECTED_CONTINUATION');
    expect(codeOf(frame({ opcode: 0, fin: false }), server)).toBe('ERR_UNEXPECTED_CONTINUATION');
    expect(codeOf(frame({ opcode: 0 }), { ...server, inMessage: true })).toBeNull();
  });

  it('rejects a new data frame inside an unfinished message (§5.4)', () => {
    const inMessage = { ...server, inMessage: true };
    expect(codeOf(frame({ opcode: 1 }), inMessage)).toBe('ERR_EXPECTED_CONTINUATION');
    expect(codeOf(frame({ opcode: 2, fin: false }), inMessage)).toBe('ERR_EXPECTED_CONTINUATION');
  });

  it('allows control frames in the middle of a fragmented message (§5.4)', () => {
    const inMessage = { ...server, inMessage: true };
    for (const opcode of [8, 9, 10]) expect(codeOf(frame({ opcode }), inMessage)).toBeNull();
  });
});

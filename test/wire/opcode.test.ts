import { describe, expect, it } from 'vitest';
import { isControl, isData, isReserved, Opcode } from '../../src/wire/index.js';

describe('opcodes (RFC 6455 §5.2)', () => {
  it('has the values of §5.2', () => {
    expect(Opcode).toEqual({ Continuation: 0, Text: 1, Binary: 2, Close: 8, Ping: 9, Pong: 10 });
  });

  it('classifies all 16 opcodes', () => {
    const table = Array.from({ length: 16 }, (_, op) => [op, isData(op), isControl(op), isReserved(op)]);
    expect(table).toEqual([
      [0, true, false, false],
      [1, true, false, false],
      [2, true, false, false],
      [3, false, false, true],
      [4, false, false, true],
      [5, false, false, true],
      [6, false, false, true],
      [7, false, false, true],
      [8, false, true, false],
      [9, false, true, false],
      [10, false, true, false],
      [11, false, true, true],
      [12, false, true, true],
      [13, false, true, true],
      [14, false, true, true],
      [15, false, true, true],
    ]);
  });
});

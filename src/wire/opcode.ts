/** RFC 6455 §5.2 opcodes. */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;

export type OpcodeValue = (typeof Opcode)[keyof typeof Opcode];

/** Control frames have the high bit of the opcode set (0x8-0xF). */
export function isControl(op: number): boolean {
  return (op & 0x8) !== 0;
}

/** Data frames: continuation, text, binary. */
export function isData(op: number): boolean {
  return op <= 0x2;
}

/** Opcodes RFC 6455 reserves for future use: 0x3-0x7 and 0xB-0xF. */
export function isReserved(op: number): boolean {
  return (op > 0x2 && op < 0x8) || op > 0xa;
}

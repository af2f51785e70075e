/**
 * zwire/wire: RFC 6455 frames read and written where the bytes lie.
 * Pure functions and small classes over Uint8Array/Buffer: no sockets, no timers.
 */
export { Opcode, isControl, isData, isReserved } from './opcode.js';
export type { OpcodeValue } from './opcode.js';
export { ZwireError } from '../errors.js';
export { WireError, ProtocolError, InvalidPayloadError, TooBigError } from './errors.js';
export { createHeader, readHeader, headerSize, writeHeader, MAX_HEADER_SIZE } from './header.js';
export type { FrameHeader } from './header.js';
export { checkHeader, RSV1, RSV2, RSV3 } from './check.js';
export type { HeaderState, Role } from './check.js';
export { mask, maskRange, maskTo } from './mask.js';
export { createReadBuffer } from './read-buffer.js';
export { CloseCode, MAX_CLOSE_REASON, isValidCloseCode, encodeClosePayload, parseClosePayload } from './close.js';
export type { ClosePayload } from './close.js';
export { isValidUtf8, Utf8Validator } from './utf8.js';
export { FrameParser } from './parser.js';
export type { FrameParserOptions } from './parser.js';
export {
  textFrame,
  binaryFrame,
  pingFrame,
  pongFrame,
  closeFrame,
  maskKey,
  maskFrame,
  compileFrame,
  encodeFrame,
  Compiled,
} from './frame.js';
export type { Frame, EncodeOptions } from './frame.js';

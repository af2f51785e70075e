import { ZwireError } from '../../errors.js';

/** Turns values into message payloads and back; the RPC layer picks one per connection. */
export interface Codec<T = unknown> {
  /** Short name, e.g. for a subprotocol: 'json', 'msgpack'. */
  readonly name: string;
  /** Whether its messages are binary (msgpack) or text (JSON). */
  readonly binary: boolean;
  /** One value as one message payload. Throws CodecError('ERR_ENCODE') for a value it cannot represent. */
  encode(value: T): string | Uint8Array;
  /** One message payload back to a value. Throws CodecError('ERR_DECODE') on malformed data. */
  decode(data: Uint8Array | string): T;
  /** An encoder for many values inside one message (newline-delimited JSON, concatenated msgpack). */
  streamEncoder(): ValueStreamEncoder<T>;
  /** The matching incremental decoder: chunks may split values anywhere. */
  streamDecoder(): ValueStreamDecoder<T>;
}

/** Encodes values one after another into one byte stream. */
export interface ValueStreamEncoder<T> {
  /** The bytes of one value, delimiter included. */
  encode(value: T): Uint8Array;
}

/** Decodes a byte stream of values, chunk by chunk. */
export interface ValueStreamDecoder<T> {
  /** Feed a chunk; returns the values it completed. Throws CodecError('ERR_DECODE'). */
  write(chunk: Uint8Array): T[];
  /** The stream ended: throws CodecError('ERR_TRUNCATED') if a value was left incomplete. */
  end(): void;
}

/** Encoding or decoding failed; `code` is 'ERR_ENCODE', 'ERR_DECODE', 'ERR_TRUNCATED' or 'ERR_VALUE_TOO_BIG'. */
export class CodecError extends ZwireError {
  declare readonly code: 'ERR_ENCODE' | 'ERR_DECODE' | 'ERR_TRUNCATED' | 'ERR_VALUE_TOO_BIG';

  constructor(code: CodecError['code'], message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Options shared by the stream decoders. */
export interface StreamDecoderOptions {
  /** Largest single value in a stream, in bytes (guards the incomplete-value buffer). Default 64 MiB. */
  maxValueBytes?: number;
}

export const DEFAULT_MAX_VALUE_BYTES = 64 * 1024 * 1024;

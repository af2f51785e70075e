import type { Options, Packr, Unpackr } from 'msgpackr';
import { localRequire } from '../../wire/local-require.js';
import { CodecError, DEFAULT_MAX_VALUE_BYTES } from './codec.js';
import type { Codec, StreamDecoderOptions, ValueStreamDecoder, ValueStreamEncoder } from './codec.js';

/** Options of createMsgpackCodec: msgpackr's options plus the stream decoder's limit. */
export interface MsgpackCodecOptions extends StreamDecoderOptions {
  /** Passed to msgpackr's Packr/Unpackr. Default: plain MessagePack (`useRecords: false`) so any decoder can read it. */
  msgpackr?: Options;
}

type Msgpackr = typeof import('msgpackr');
let msgpackr: Msgpackr | null = null;

/**
 * msgpackr, loaded when a MessagePack codec is first used: a program that
 * imports zwire for its WebSockets does not load it (it holds about 0.4 MB of
 * heap). Being a require, this is msgpackr's CommonJS build; see docs/message.md.
 */
function loadMsgpackr(): Msgpackr {
  return (msgpackr ??= localRequire('msgpackr') as Msgpackr);
}

interface IncompleteError {
  incomplete?: boolean;
  lastPosition?: number;
  values?: unknown[];
}

/**
 * Concatenated MessagePack values, decoded the way msgpackr's UnpackrStream
 * does: unpackMultiple over what has arrived, keeping an incomplete tail.
 */
class MsgpackStreamDecoder implements ValueStreamDecoder<unknown> {
  private tail: Buffer | null = null;

  constructor(
    private readonly unpackr: Unpackr,
    private readonly maxValueBytes: number,
  ) {}

  write(chunk: Uint8Array): unknown[] {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.tail !== null) {
      buf = Buffer.concat([this.tail, buf]);
      this.tail = null;
    }
    if (buf.length === 0) return [];
    try {
      return this.unpackr.unpackMultiple(buf) as unknown[];
    } catch (err) {
      const e = err as IncompleteError;
      if (e.incomplete !== true) throw new CodecError('ERR_DECODE', `malformed MessagePack: ${(err as Error).message}`, { cause: err });
      const rest = buf.subarray(e.lastPosition ?? 0);
      if (rest.length > this.maxValueBytes) throw new CodecError('ERR_VALUE_TOO_BIG', `a MessagePack value exceeds ${this.maxValueBytes} bytes`);
      this.tail = Buffer.from(rest);
      return e.values ?? [];
    }
  }

  end(): void {
    const left = this.tail;
    this.tail = null;
    if (left !== null && left.length > 0) throw new CodecError('ERR_TRUNCATED', 'the stream ended inside a MessagePack value');
  }
}

/** Create a MessagePack codec on msgpackr: binary messages; streams of values as concatenated MessagePack. */
export function createMsgpackCodec(options: MsgpackCodecOptions = {}): Codec<unknown> {
  const opts: Options = { useRecords: false, ...options.msgpackr };
  let packr: Packr | null = null;
  let unpackr: Unpackr | null = null;
  const packer = (): Packr => (packr ??= new (loadMsgpackr().Packr)(opts));
  const unpacker = (): Unpackr => (unpackr ??= new (loadMsgpackr().Unpackr)(opts));
  const maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  const encode = (value: unknown): Uint8Array => {
    try {
      return packer().pack(value);
    } catch (err) {
      throw new CodecError('ERR_ENCODE', `value cannot be encoded as MessagePack: ${(err as Error).message}`, { cause: err });
    }
  };
  const encoder: ValueStreamEncoder<unknown> = { encode };
  return {
    name: 'msgpack',
    binary: true,
    encode,
    decode(data) {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      try {
        return unpacker().unpack(bytes);
      } catch (err) {
        throw new CodecError('ERR_DECODE', `malformed MessagePack: ${(err as Error).message}`, { cause: err });
      }
    },
    streamEncoder: () => encoder,
    streamDecoder: () => new MsgpackStreamDecoder(unpacker(), maxValueBytes),
  };
}

/** The MessagePack codec with default options. */
export const msgpackCodec: Codec<unknown> = createMsgpackCodec();

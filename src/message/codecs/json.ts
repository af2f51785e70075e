import { CodecError, DEFAULT_MAX_VALUE_BYTES } from './codec.js';
import type { Codec, StreamDecoderOptions, ValueStreamDecoder, ValueStreamEncoder } from './codec.js';

const NEWLINE = 0x0a;

function stringify(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new CodecError('ERR_ENCODE', `value cannot be encoded as JSON: ${(err as Error).message}`, { cause: err });
  }
  if (text === undefined) throw new CodecError('ERR_ENCODE', `${typeof value} cannot be encoded as JSON`);
  return text;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CodecError('ERR_DECODE', `malformed JSON: ${(err as Error).message}`, { cause: err });
  }
}

function toText(data: Uint8Array | string): string {
  if (typeof data === 'string') return data;
  return Buffer.from(data.buffer, data.byteOffset, data.length).toString('utf8');
}

/** Newline-delimited JSON: one value per line (JSON.stringify never emits a raw newline). */
class NdjsonEncoder implements ValueStreamEncoder<unknown> {
  encode(value: unknown): Uint8Array {
    return Buffer.from(`${stringify(value)}\n`);
  }
}

class NdjsonDecoder implements ValueStreamDecoder<unknown> {
  private readonly partial: Buffer[] = [];
  private partialLen = 0;

  constructor(private readonly maxValueBytes: number) {}

  write(chunk: Uint8Array): unknown[] {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const out: unknown[] = [];
    let start = 0;
    for (let nl = buf.indexOf(NEWLINE, start); nl !== -1; nl = buf.indexOf(NEWLINE, start)) {
      let line = buf.subarray(start, nl);
      if (this.partialLen > 0) {
        this.partial.push(line);
        line = Buffer.concat(this.partial, this.partialLen + line.length);
        this.partial.length = 0;
        this.partialLen = 0;
      }
      start = nl + 1;
      if (isBlank(line)) continue;
      out.push(parse(line.toString('utf8')));
    }
    if (start < buf.length) {
      const rest = buf.subarray(start);
      this.partialLen += rest.length;
      if (this.partialLen > this.maxValueBytes) {
        throw new CodecError('ERR_VALUE_TOO_BIG', `a JSON line exceeds ${this.maxValueBytes} bytes`);
      }
      this.partial.push(Buffer.from(rest));
    }
    return out;
  }

  end(): void {
    if (this.partialLen === 0) return;
    const line = Buffer.concat(this.partial, this.partialLen);
    this.partial.length = 0;
    this.partialLen = 0;
    if (!isBlank(line)) throw new CodecError('ERR_TRUNCATED', 'the stream ended inside a JSON line');
  }
}

function isBlank(line: Buffer): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/** Create a JSON codec: text messages; streams of values as newline-delimited JSON. */
export function createJsonCodec(options: StreamDecoderOptions = {}): Codec<unknown> {
  const maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  return {
    name: 'json',
    binary: false,
    encode: stringify,
    decode: (data) => parse(toText(data)),
    streamEncoder: () => new NdjsonEncoder(),
    streamDecoder: () => new NdjsonDecoder(maxValueBytes),
  };
}

/** The JSON codec with default options. */
export const jsonCodec: Codec<unknown> = createJsonCodec();

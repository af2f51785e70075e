import type { EnvelopeCodec } from './codec.js';
import { jsonEnvelope } from './codec-json.js';
import { msgpackEnvelope } from './codec-msgpack.js';
import type { CodecName } from './envelope.js';

/** The envelope codec for a codec name. */
export function envelopeCodec(name: CodecName): EnvelopeCodec {
  return name === 'msgpack' ? msgpackEnvelope : jsonEnvelope;
}

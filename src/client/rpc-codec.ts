import { jsonClientCodec, type ClientCodec, type CodecName, type EnvelopeCodec } from '../rpc/protocol.js';

/**
 * Codecs the client can name as a string. JSON is always there (zwire/client
 * replaces it by its faster encoder); msgpack joins when its module is
 * imported (zwire/client does, zwire/client/msgpack does), so a browser
 * bundle that never names it carries no msgpackr.
 */
const named = new Map<CodecName, ClientCodec>([['json', jsonClientCodec]]);

/** Makes `codec: codec.name` usable in createClient. */
export function registerCodec(codec: EnvelopeCodec): void {
  named.set(codec.name, codec);
}

/** The codec createClient uses for its `codec` option (default JSON: the one registered under its name). */
export function resolveCodec(option: CodecName | EnvelopeCodec | undefined): ClientCodec {
  if (typeof option === 'object') return option;
  const codec = named.get(option ?? 'json');
  if (codec === undefined) {
    throw new TypeError(`codec '${option}' is not loaded: pass \`${option}\` from zwire/client/${option} as the codec option`);
  }
  return codec;
}

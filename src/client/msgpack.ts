/**
 * zwire/client/msgpack: the msgpack envelope codec for the browser client,
 * opt-in so that JSON-only bundles carry no msgpackr. Pass it as
 * `createClient(..., { codec: msgpack })`; importing it also makes
 * `codec: 'msgpack'` work.
 */
import { msgpackEnvelope } from '../rpc/msgpack.js';
import { registerCodec } from './rpc-codec.js';

registerCodec(msgpackEnvelope);

/** The msgpack envelope codec (binary messages, subprotocol zwire.rpc.v1.msgpack). */
export const msgpack = msgpackEnvelope;

/**
 * The RPC folder's index for the opt-in msgpack codec. Apart from protocol.ts
 * because importing it loads msgpackr: a JSON client never does.
 */
export { msgpackEnvelope } from './codec-msgpack.js';

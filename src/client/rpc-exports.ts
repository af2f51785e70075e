/** The RPC client's public surface, re-exported by zwire/client (Node: zwire's own client is the default transport, msgpack is loaded). */
import { jsonEnvelope } from '../rpc/protocol.js';
import { registerCodec } from './rpc-codec.js';
import { registerZwireTransport } from './transport-zwire.js';
import './msgpack.js';
import './topics.js';

registerZwireTransport();
// in Node, JSON encodes plain values without JSON.stringify's replacer (faster); a page keeps the smaller encoder
registerCodec(jsonEnvelope);

export * from './rpc-browser.js';
export { zwireTransport, type ZwireTransportOptions } from './transport-zwire.js';
export { msgpack } from './msgpack.js';

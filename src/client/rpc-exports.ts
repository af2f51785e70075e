/** The RPC client's public surface, re-exported by zwire/client (Node: zwire's own client is the default transport, msgpack is loaded). */
import { IdTable, jsonEnvelope } from '../rpc/protocol.js';
import { registerCodec } from './rpc-codec.js';
import { setPendingTable } from './rpc-core.js';
import { registerZwireTransport } from './transport-zwire.js';
import './msgpack.js';
import './topics.js';

registerZwireTransport();
// in Node, JSON encodes plain values without JSON.stringify's replacer (faster); a page keeps the smaller encoder
registerCodec(jsonEnvelope);
// and files calls awaiting answers in an IdTable (see why there)
setPendingTable(() => new IdTable());

export * from './rpc-browser.js';
export { zwireTransport, type ZwireTransportOptions } from './transport-zwire.js';
export { msgpack } from './msgpack.js';

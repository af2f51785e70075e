/** The RPC client's public surface, re-exported by zwire/client (Node: zwire's own client is the default transport, msgpack is loaded). */
import { registerZwireTransport } from './transport-zwire.js';
import './msgpack.js';
import './topics.js';

registerZwireTransport();

export * from './rpc-browser.js';
export { zwireTransport, type ZwireTransportOptions } from './transport-zwire.js';
export { msgpack } from './msgpack.js';

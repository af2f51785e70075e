/** The RPC client's public surface, re-exported by zwire/client (Node: zwire's own client is the default transport). */
import { registerZwireTransport } from './transport-zwire.js';

registerZwireTransport();

export * from './rpc-browser.js';
export { zwireTransport, type ZwireTransportOptions } from './transport-zwire.js';

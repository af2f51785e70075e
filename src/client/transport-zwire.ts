import type { TransportFactory } from './transport.js';
export function zwireTransport(url: string, o: { headers?: Record<string, string> }): TransportFactory { void url; void o; throw new Error('TODO phase 2'); }

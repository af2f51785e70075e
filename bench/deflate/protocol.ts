/** Connections and traffic of the permessage-deflate echo benchmark. */
export interface DeflateConnectArgs {
  host: string;
  port: number;
  connections: number;
  /** Messages kept in flight per connection. */
  inflight: number;
}

export interface DeflateRunResult {
  /** Messages echoed within the timed window. */
  messages: number;
  windowMs: number;
  /** Messages echoed including the drain (what the server's CPU paid for). */
  total: number;
  /** Echoes that came back uncompressed (RSV1 clear); expected 0. */
  uncompressed: number;
  /** Compressed bytes received, for the average compressed echo size. */
  bytesIn: number;
  clientCpuUs: number;
}

/** Requests the load generator (bench/deflate/load.ts) answers. */
export type DeflateLoadProtocol = {
  /** Open the connections (offering permessage-deflate) and check the answer. */
  connect: { arg: DeflateConnectArgs; result: { connections: number; extensions: string; ms: number } };
  /** Keep `inflight` messages in flight per connection for `ms`, then drain. */
  run: { arg: { ms: number }; result: DeflateRunResult };
  close: { arg: null; result: null };
};

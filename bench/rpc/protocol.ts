// Requests the RPC load generator (bench/rpc/load.ts) answers over IPC.

export type System = 'zwire-msgpack' | 'zwire-json' | 'rpc-websockets' | 'ws-jsonrpc' | 'trpc';

export interface OpenArgs {
  system: System;
  port: number;
  connections: number;
}

export interface UnaryArgs {
  /** Calls in flight per connection. */
  inflight: number;
  ms: number;
  /** Record every call's latency (for the 1 x 1 scenario). */
  latency: boolean;
}

export interface UnaryResult {
  /** Calls completed inside the window. */
  calls: number;
  /** Calls completed in all (window and drain), for CPU per call. */
  total: number;
  seconds: number;
  clientCpuUs: number;
  p50Us: number;
  p99Us: number;
}

export interface StreamResult {
  /** Items each connection received inside the window. */
  perStream: number[];
  seconds: number;
  clientCpuUs: number;
}

export type LoadProtocol = {
  open: { arg: OpenArgs; result: null };
  unary: { arg: UnaryArgs; result: UnaryResult };
  stream: { arg: { ms: number }; result: StreamResult };
  slowStart: { arg: null; result: null };
  slowStop: { arg: null; result: { items: number; seconds: number } };
  close: { arg: null; result: null };
};

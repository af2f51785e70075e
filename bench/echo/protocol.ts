/** Connections and traffic shape for one scenario. */
export interface ConnectArgs {
  host: string;
  port: number;
  connections: number;
  /** Payload bytes per message. */
  size: number;
  text: boolean;
  /** Messages kept in flight per connection. */
  inflight: number;
}

/** Result of one timed round. */
export interface RunResult {
  /** Messages echoed within the timed window. */
  messages: number;
  windowMs: number;
  /** Messages echoed including the drain after the window (what the server's CPU paid for). */
  total: number;
  /** Load generator CPU time over window and drain, microseconds. */
  clientCpuUs: number;
  elapsedMs: number;
}

/** Requests the load generator (bench/echo/load.ts) answers. */
export type LoadProtocol = {
  /** Open the connections and check one echo per connection byte for byte. */
  connect: { arg: ConnectArgs; result: { connections: number; ms: number } };
  /** Keep `inflight` messages in flight per connection for `ms`, then drain. */
  run: { arg: { ms: number }; result: RunResult };
  /** Close every connection (TCP FIN) and wait until the server has closed them. */
  close: { arg: null; result: null };
};

/** Connections and traffic of one fan-out scenario: every client subscribes to one room. */
export interface FanoutShape {
  host: string;
  port: number;
  /** Clients, all subscribed to the room (the publishers among them). */
  clients: number;
  /** The first `publishers` clients publish; the others only receive. */
  publishers: number;
  /** Publications each publisher keeps in flight; one is done once every client has received it. */
  inflight: number;
  /** Payload bytes per publication. */
  size: number;
}

/** One timed round as the load generator saw it. */
export interface FanoutResult {
  /** Messages received by all clients within the timed window. */
  deliveries: number;
  windowMs: number;
  /** Deliveries including the drain after the window (what the server's CPU paid for). */
  total: number;
  /** Load generator CPU time over window and drain, microseconds. */
  clientCpuUs: number;
  elapsedMs: number;
}

/** Requests a fan-out load generator (load.ts, socketio-load.ts) answers. */
export type FanoutLoadProtocol = {
  /** Open the connections, then check that one publication reaches every client exactly once. */
  connect: { arg: FanoutShape; result: { connections: number; ms: number } };
  /** Keep every publisher's publications in flight for `ms`, then wait for the ones still in flight. */
  run: { arg: { ms: number }; result: FanoutResult };
  /** Close every connection. */
  close: { arg: null; result: null };
};

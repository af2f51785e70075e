import type { FanoutResult } from '../fanout/protocol.js';

/** Connections and traffic of the many-node benchmark: every client subscribes to one room. */
export interface ClusterShape {
  /** The nodes' ports on 127.0.0.1; client i connects to node i mod nodes. */
  ports: number[];
  /** Clients, all subscribed to the room (the publishers among them), spread over the nodes. */
  clients: number;
  /** The first `publishers` clients publish (so on every node); the others only receive. */
  publishers: number;
  /** Publications each publisher keeps in flight; one is done once every client has received it. */
  inflight: number;
  /** Payload characters per publication. */
  size: number;
  /** zwire only: the topic, `room` (no history) or `kept` (history of 100). */
  topic?: string;
}

/** One timed round as the load generator saw it: the fan-out figures, and latency. */
export interface ClusterResult extends FanoutResult {
  /** Publish-to-delivery latency of the round's deliveries, ms (the publisher's send to each subscriber's receipt, one clock). */
  p50Ms: number;
  p99Ms: number;
}

/** Requests a load generator (zwire-load.ts, socketio-load.ts) answers. */
export type ClusterLoadProtocol = {
  /** Open the connections, subscribe, then check that one publication reaches every client exactly once. */
  connect: { arg: ClusterShape; result: { connections: number; ms: number } };
  /** Keep every publisher's publications in flight for `ms`, then wait for the ones still in flight. */
  run: { arg: { ms: number }; result: ClusterResult };
  close: { arg: null; result: null };
};

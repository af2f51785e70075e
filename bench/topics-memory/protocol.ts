/** How a server of the topic memory benchmark is asked to subscribe a connection. */
export type SubscribeWire = 'text' | 'rpc';

/** Requests the topic memory load generator (load.ts) answers. */
export type TopicsMemoryProtocol = {
  /** Open `count` idle connections. */
  open: { arg: { host: string; port: number; count: number; wire: SubscribeWire }; result: { open: number; ms: number } };
  /**
   * Subscribe every connection to each topic of `shared` (the same names for all),
   * and to a topic of its own when `personal`; resolves once every subscription was acknowledged.
   */
  subscribe: { arg: { shared: string[]; personal: boolean }; result: { subscriptions: number; ms: number } };
  /** Close every connection. */
  close: { arg: null; result: null };
};

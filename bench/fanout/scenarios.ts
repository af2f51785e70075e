/** A fan-out scenario: one room, `clients` subscribers, `publishers` of them publishing. */
export interface FanoutScenario {
  id: string;
  title: string;
  clients: number;
  publishers: number;
  inflight: number;
  size: number;
  /** Server ids that run it (Socket.IO only in the chat rooms: its client is its load generator). */
  servers: string[];
  /** Lowest acceptable ratio of zwire's deliveries/s to Bun's (issue #13). */
  targetVsBun: number;
}

const ALL = ['zwire', 'ws', 'bun', 'batched', 'zwire-rpc'];

/** The scenarios of issue #13. `subscribers` overrides the broadcast's client count (file descriptors permitting). */
export function fanoutScenarios(subscribers: number): FanoutScenario[] {
  return [
    {
      id: 'chat16',
      title: 'chat room, 16 clients, each publishing with 4 in flight, 64 B',
      clients: 16,
      publishers: 16,
      inflight: 4,
      size: 64,
      servers: [...ALL, 'socketio'],
      targetVsBun: 0.5,
    },
    {
      id: 'chat256',
      title: 'chat room, 256 clients, each publishing with 2 in flight, 64 B',
      clients: 256,
      publishers: 256,
      inflight: 2,
      size: 64,
      servers: [...ALL, 'socketio'],
      targetVsBun: 0.5,
    },
    {
      id: 'broadcast',
      title: `broadcast, 1 publisher with 4 in flight -> ${subscribers.toLocaleString('en-US')} subscribers, 1 KiB`,
      clients: subscribers,
      publishers: 1,
      inflight: 4,
      size: 1024,
      servers: ALL,
      targetVsBun: 0.7,
    },
  ];
}

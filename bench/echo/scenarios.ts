/** A ratio our server must reach against a peer. */
export interface Target {
  metric: 'msgs/s' | 'gc';
  /** Peer id the ratio is taken against. */
  vs: string;
  /** msgs/s: zwire/peer must be at least this; gc: zwire/peer GC runs per message must be at most this. */
  bound: number;
}

/** Echo traffic with a fixed number of messages in flight per connection. */
export interface ThroughputScenario {
  id: string;
  title: string;
  connections: number;
  inflight: number;
  size: number;
  text: boolean;
  /** Server ids, in table order. */
  servers: string[];
  /** Peers to print a ratio column against (besides the raw ceiling). */
  baselines: string[];
  targets: Target[];
}

/** The throughput scenarios of issue #4. */
export const THROUGHPUT: ThroughputScenario[] = [
  {
    id: 'small',
    title: '64 connections × 16 in flight × 32 B binary',
    connections: 64,
    inflight: 16,
    size: 32,
    text: false,
    servers: ['zwire', 'ws', 'raw'],
    baselines: ['ws'],
    targets: [
      { metric: 'msgs/s', vs: 'ws', bound: 3 },
      { metric: 'gc', vs: 'ws', bound: 0.5 },
    ],
  },
  {
    id: 'text',
    title: '64 connections × 16 in flight × 1 KiB text (UTF-8 validated)',
    connections: 64,
    inflight: 16,
    size: 1024,
    text: true,
    servers: ['zwire', 'ws', 'raw'],
    baselines: ['ws'],
    targets: [{ metric: 'msgs/s', vs: 'ws', bound: 3 }],
  },
  {
    id: 'large',
    title: '8 connections × 4 in flight × 64 KiB binary',
    connections: 8,
    inflight: 4,
    size: 64 * 1024,
    text: false,
    servers: ['zwire', 'ws', 'ws-js', 'raw'],
    baselines: ['ws', 'ws-js'],
    targets: [
      { metric: 'msgs/s', vs: 'ws-js', bound: 1.3 },
      { metric: 'msgs/s', vs: 'ws', bound: 1 },
    ],
  },
  {
    id: 'huge',
    title: '1 connection × 1 in flight × 1 MiB binary',
    connections: 1,
    inflight: 1,
    size: 1024 * 1024,
    text: false,
    servers: ['zwire', 'ws', 'raw'],
    baselines: ['ws'],
    targets: [{ metric: 'msgs/s', vs: 'ws', bound: 1 }],
  },
];

/** Idle connections held open for the memory scenario. */
export const IDLE = {
  id: 'idle',
  title: 'RSS per idle connection, 2,000 connections, after forced GC',
  connections: 2000,
  servers: ['zwire', 'ws', 'raw'],
  /** zwire's RSS per connection must be at most this multiple of the raw socket's. */
  boundVsRaw: 1.2,
};

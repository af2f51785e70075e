/**
 * The pub/sub engine contract and the in-memory engine (the embedded
 * default of the RPC server's topics). Knows nothing of sockets or RPC.
 */
export type {
  Engine,
  EngineHandler,
  HistoryPolicy,
  HistoryQuery,
  HistoryResult,
  EnginePublishOptions,
  Publication,
  StreamPosition,
} from './engine.js';
export { memoryEngine, type MemoryEngineOptions } from './memory-engine.js';

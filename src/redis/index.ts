export { redisEngine } from './redis-engine.js';
export type { RedisEngineOptions } from './options.js';
export { RedisEngineError } from './errors.js';
export { ZwireError } from '../errors.js';

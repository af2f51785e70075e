import { isWindowBits, type DeflateOptions } from './params.js';

/** Throws a RangeError for an option outside its domain (a local programming error, not network input). */
export function checkOptions(opts: DeflateOptions): void {
  if (opts.serverMaxWindowBits !== undefined && !isWindowBits(opts.serverMaxWindowBits)) {
    throw new RangeError(`serverMaxWindowBits must be an integer in 8..15, got ${String(opts.serverMaxWindowBits)}`);
  }
  const c = opts.clientMaxWindowBits;
  if (c !== undefined && typeof c !== 'boolean' && !isWindowBits(c)) {
    throw new RangeError(`clientMaxWindowBits must be a boolean or an integer in 8..15, got ${String(c)}`);
  }
  checkInt('level', opts.level, -1, 9);
  checkInt('memLevel', opts.memLevel, 1, 9);
  if (opts.threshold !== undefined && !(opts.threshold >= 0)) throw new RangeError('threshold must be >= 0');
  if (opts.maxMessageSize !== undefined && opts.maxMessageSize !== Infinity) {
    checkInt('maxMessageSize', opts.maxMessageSize, 0, Number.MAX_SAFE_INTEGER);
  }
  checkInt('historySize', opts.historySize, 0, 32768);
  checkInt('syncMaxBytes', opts.syncMaxBytes, 0, 64 << 20);
}

function checkInt(name: string, v: number | undefined, min: number, max: number): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= min && v <= max)) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${String(v)}`);
  }
}

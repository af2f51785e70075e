import { createRequire } from 'node:module';

/**
 * `require` for optional or lazily loaded packages, in both builds: the
 * CommonJS build has __filename and no import.meta, the ES module build the
 * reverse.
 */
export function localRequire(id: string): unknown {
  return createRequire(typeof __filename === 'string' ? __filename : import.meta.url)(id);
}

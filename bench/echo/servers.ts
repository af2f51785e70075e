import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from '../lib/index.js';

/** A server under test. All follow the examples' PORT/HOST/`listening <port>` convention. */
export interface ServerDef {
  id: string;
  label: string;
  script: string;
  env?: Record<string, string>;
}

/** Ours, the peers and the ceiling, by id. */
export const SERVERS: Record<string, ServerDef> = {
  zwire: { id: 'zwire', label: 'zwire', script: 'examples/echo-server.ts' },
  ws: { id: 'ws', label: 'ws (bufferutil)', script: 'bench/echo/ws-server.ts' },
  'ws-js': { id: 'ws-js', label: 'ws (no bufferutil)', script: 'bench/echo/ws-server.ts', env: { WS_NO_BUFFER_UTIL: '1' } },
  raw: { id: 'raw', label: 'raw net echo (ceiling)', script: 'bench/echo/raw-server.ts' },
};

/** Whether the server's script exists (ours may not be written yet). */
export function isAvailable(def: ServerDef): boolean {
  return existsSync(resolve(ROOT, def.script));
}

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * process.memoryUsage() after full garbage collections (V8's gc() exposed at
 * run time), twice 20 ms apart so buffers freed by the first are swept by the
 * second: what is still held.
 */
export async function collectedMemory(): Promise<NodeJS.MemoryUsage> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  await new Promise((r) => setTimeout(r, 20));
  gc();
  return process.memoryUsage();
}

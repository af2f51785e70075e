import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'wire/index': 'src/wire/index.ts',
    'upgrade/index': 'src/upgrade/index.ts',
    'deflate/index': 'src/deflate/index.ts',
    'rpc/index': 'src/server/rpc-entry.ts',
    'client/index': 'src/client/index.ts',
    'client/browser': 'src/client/rpc-browser.ts',
    'client/msgpack': 'src/client/msgpack.ts',
    'client/topics': 'src/client/topics.ts',
    'redis/index': 'src/redis/index.ts',
    'cli/zwire': 'src/cli/zwire.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  splitting: true,
  treeshake: true,
});

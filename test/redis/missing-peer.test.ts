/**
 * Without the optional peer `redis`, zwire/redis still imports, and start()
 * rejects with a RedisEngineError saying what to install. Run in a child
 * process whose module resolution is made to miss the package.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

const hideRedis = `
export async function resolve(specifier, context, next) {
  if (specifier === 'redis') {
    throw Object.assign(new Error("Cannot find package 'redis'"), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}`;

const register = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hideRedis)}));`;

const script = `
import { redisEngine, RedisEngineError } from './src/redis/index.ts';
const engine = redisEngine({ socketPath: '/nonexistent.sock' });
const err = await engine.start({ publication() {}, join() {}, leave() {} }).then(() => null, (e) => e);
console.log(JSON.stringify({ isClass: err instanceof RedisEngineError, code: err?.code, message: err?.message }));
`;

it('without the redis package, start() rejects with REDIS_NOT_INSTALLED', () => {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', script],
    { cwd: root, encoding: 'utf8', timeout: 30_000 },
  );
  expect(JSON.parse(out)).toEqual({
    isClass: true,
    code: 'REDIS_NOT_INSTALLED',
    message: "zwire/redis needs the package 'redis' (node-redis 5 or later): npm install redis",
  });
});

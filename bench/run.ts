// `npm run bench -- <name> [flags]` runs bench/<name>.ts in its own process;
// `npm run bench` lists the benchmarks.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const available = readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3))
  .sort();

const [name, ...flags] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h') {
  console.log('usage: npm run bench -- <name> [--quick] [flags]\n\nbenchmarks:');
  for (const b of available) console.log(`  ${b}`);
  console.log('\nfigures and exact commands: bench/README.md');
  process.exit(0);
}
const script = join(benchDir, `${name}.ts`);
if (!/^[\w-]+$/.test(name) || !existsSync(script)) {
  console.error(`no benchmark "${name}"; available: ${available.join(', ') || '(none)'}`);
  process.exit(2);
}
const child = spawn(process.execPath, ['--import', 'tsx', script, ...flags], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

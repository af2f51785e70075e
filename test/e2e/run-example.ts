import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A running example program with its stdout collected. */
export interface Example {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout; rejects if the program exits first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (and signal) once the program has ended. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Run examples/<file> through tsx, as the README tells users to. */
export function runExample(file: string, args: string[] = [], env: Record<string, string> = {}): Example {
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/${file}`, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (err += s));
  const ended = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return {
    child,
    output: () => out,
    exited: () => ended,
    waitFor(pattern, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = out.match(pattern);
          if (m !== null) {
            done();
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${file}: no ${pattern} within ${ms} ms; stdout:\n${out}\nstderr:\n${err}`));
        }, ms);
        const onExit = (): void => {
          done();
          reject(new Error(`${file} exited before ${pattern}; stdout:\n${out}\nstderr:\n${err}`));
        };
        const done = (): void => {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          child.off('exit', onExit);
        };
        child.stdout?.on('data', check);
        child.once('exit', onExit);
        check();
      });
    },
  };
}

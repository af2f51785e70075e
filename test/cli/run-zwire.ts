/** Runs the zwire CLI and the fixture server as child processes, from source. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source (node --import tsx), optionally feeding stdin; bounded by a kill timer. */
export async function zwire(args: string[], stdin?: string, env: Record<string, string> = {}): Promise<Ran> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/zwire.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  if (stdin !== undefined) child.stdin.end(stdin);
  const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(killer);
  return { code, stdout, stderr };
}

export async function startServer(env: Record<string, string> = {}): Promise<{ child: ChildProcess; rpc: number; echo: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/cli/fixture-server.ts'], { cwd: ROOT, env: { ...process.env, ...env } });
  child.stderr?.pipe(process.stderr);
  const [line] = (await once(child.stdout!.setEncoding('utf8'), 'data')) as [string];
  return { child, ...(JSON.parse(line) as { rpc: number; echo: number }) };
}


/** A zwire command left running: its output so far, a wait for a line, and its end. */
export interface Running {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout (or stderr) holds `text`; rejects after 20 s. */
  waitFor(text: string, stream?: 'stdout' | 'stderr'): Promise<void>;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code. */
  interrupt(): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Starts a zwire command that runs until interrupted (zwire sub); killed after 30 s whatever happens. */
export function runZwire(args: string[]): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/zwire.ts', ...args], { cwd: ROOT });
  const out = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  const seen = (): void => {
    for (const w of waiters) w();
  };
  child.stdout.setEncoding('utf8').on('data', (c: string) => ((out.stdout += c), seen()));
  child.stderr.setEncoding('utf8').on('data', (c: string) => ((out.stderr += c), seen()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const exited = once(child, 'exit').then(([code]) => {
    clearTimeout(killer);
    seen();
    return code as number | null;
  });
  return {
    child,
    exited,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    waitFor: (text, stream = 'stdout') =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`no ${JSON.stringify(text)} in ${stream}: ${out[stream]} / ${out.stderr}`)), 20_000);
        const check = (): void => {
          if (out[stream].includes(text)) done(null);
          else if (child.exitCode !== null) done(new Error(`exited ${child.exitCode} without ${JSON.stringify(text)}: ${out.stdout} / ${out.stderr}`));
        };
        const done = (err: Error | null): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (err === null) resolve();
          else reject(err);
        };
        waiters.add(check);
        check();
      }),
    interrupt: () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}

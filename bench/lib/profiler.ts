// In-process CPU profiling for probed servers (loaded by probe.ts). Profiling
// from inside lets a benchmark cover exactly its measured rounds, and lets
// positions be mapped back to the TypeScript sources through the source maps
// tsx registered (tsx emits whitespace-minified code: every function is on
// line 1 of its module, which makes `node --cpu-prof` output unreadable).
import { writeFile } from 'node:fs/promises';
import { Session, type Profiler } from 'node:inspector';
import { findSourceMap } from 'node:module';

let session: Session | null = null;

function post(s: Session, method: 'Profiler.enable' | 'Profiler.start'): Promise<void> {
  return new Promise((resolve, reject) => s.post(method, (err) => (err ? reject(err) : resolve())));
}

/** Start sampling this process's main thread every `intervalUs` microseconds. */
export async function startProfile(intervalUs: number): Promise<null> {
  if (session) throw new Error('a profile is already running');
  const s = new Session();
  s.connect();
  session = s;
  await post(s, 'Profiler.enable');
  await new Promise<void>((resolve, reject) =>
    s.post('Profiler.setSamplingInterval', { interval: intervalUs }, (err) => (err ? reject(err) : resolve())),
  );
  await post(s, 'Profiler.start');
  return null;
}

function remap(profile: Profiler.Profile): void {
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    if (!frame.url.startsWith('file:')) continue;
    const entry = findSourceMap(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber);
    if (entry && 'originalSource' in entry) {
      frame.url = entry.originalSource;
      frame.lineNumber = entry.originalLine;
      frame.columnNumber = entry.originalColumn;
      // Per-line ticks refer to generated lines; drop them rather than mislead.
      delete node.positionTicks;
    }
  }
}

/** Stop the profile, map positions to the sources and write it as a .cpuprofile file at `path`. */
export async function stopProfile(path: string): Promise<string> {
  const s = session;
  if (!s) throw new Error('no profile running');
  const profile = await new Promise<Profiler.Profile>((resolve, reject) =>
    s.post('Profiler.stop', (err, result) => (err ? reject(err) : resolve(result.profile))),
  );
  s.disconnect();
  session = null;
  remap(profile);
  await writeFile(path, JSON.stringify(profile));
  return path;
}

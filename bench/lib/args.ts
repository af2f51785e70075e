/** Command-line flags of a benchmark: `--name` (true) and `--name=value`. */
export interface Flags {
  has(name: string): boolean;
  string(name: string): string | undefined;
  number(name: string, fallback: number): number;
  /** Comma-separated list, or undefined when the flag is absent. */
  list(name: string): string[] | undefined;
}

/** Parse `--flag` / `--flag=value` arguments (process.argv.slice(2) by default). */
export function parseFlags(argv: readonly string[] = process.argv.slice(2)): Flags {
  const values = new Map<string, string | true>();
  for (const arg of argv) {
    const match = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unexpected argument ${arg} (flags are --name or --name=value)`);
    values.set(match[1], match[2] ?? true);
  }
  return {
    has: (name) => values.has(name),
    string: (name) => {
      const v = values.get(name);
      return typeof v === 'string' ? v : undefined;
    },
    number: (name, fallback) => {
      const v = values.get(name);
      if (typeof v !== 'string') return fallback;
      const n = Number(v);
      if (!Number.isFinite(n)) throw new Error(`--${name} needs a number, got ${v}`);
      return n;
    },
    list: (name) => {
      const v = values.get(name);
      return typeof v === 'string' ? v.split(',').filter(Boolean) : undefined;
    },
  };
}

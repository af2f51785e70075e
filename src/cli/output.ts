import { inspect } from 'node:util';

function readable(v: unknown): string {
  return inspect(v, { depth: null, colors: process.stdout.isTTY, breakLength: 100 });
}

/** Prints values readably (inspect, colors on a terminal) or as one JSON line each with --json. */
export class Output {
  constructor(private readonly json: boolean) {}

  value(v: unknown): void {
    process.stdout.write(this.json ? `${JSON.stringify(v)}\n` : `${readable(v)}\n`);
  }

  /** One line to stdout: `json` as JSON with --json, else the readable text made from it. */
  record<V>(json: V, text: (show: (v: unknown) => string) => string): void {
    process.stdout.write(this.json ? `${JSON.stringify(json)}\n` : `${text(readable)}\n`);
  }

  /** A failure: to stderr, as `{"error":{...}}` with --json. */
  error(code: string, message: string, data?: unknown): void {
    if (this.json) process.stderr.write(`${JSON.stringify({ error: { code, message, data } })}\n`);
    else process.stderr.write(`error ${code}: ${message}${data === undefined ? '' : `\n${inspect(data, { depth: 6 })}`}\n`);
  }

  /** A note for people (stderr), left out with --json. */
  note(text: string): void {
    if (!this.json) process.stderr.write(`${text}\n`);
  }
}

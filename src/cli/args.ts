import { ZwireError } from '../errors.js';
import type { CodecName } from '../rpc/envelope.js';
import type { StreamPosition } from '../rpc/topic.js';

/** Exit codes of the `zwire` command. */
export const Exit = {
  /** The command did what was asked (a watch ended, a connect closed cleanly). */
  OK: 0,
  /** The server answered with an RPC error (its code is printed). */
  RPC_ERROR: 1,
  /** Bad usage: unknown command or option, invalid JSON, an unknown method or input the server's schema refuses. */
  USAGE: 2,
  /** No connection: refused, failed handshake, or lost. */
  UNAVAILABLE: 3,
  /** The call did not finish within --timeout. */
  TIMEOUT: 4,
  /** Interrupted (Ctrl-C); how `zwire watch` and `zwire sub` normally end. */
  INTERRUPTED: 130,
} as const;

/** A command line mistake; exits with Exit.USAGE. */
export class UsageError extends ZwireError {
  declare readonly code: 'ERR_USAGE';
  constructor(message: string) {
    super('ERR_USAGE', message);
  }
}

/** The parsed command line. */
export interface Args {
  command: string;
  positional: string[];
  json: boolean;
  codec: CodecName;
  headers: Record<string, string>;
  params: Record<string, string>;
  protocols: string[];
  http2: boolean;
  insecure: boolean;
  check: boolean;
  timeoutMs: number | undefined;
  /** `zwire sub --since epoch:offset`: recover the publications after this position. */
  since: StreamPosition | undefined;
  /** `zwire sub --presence`: print subscribers joining and leaving. */
  presence: boolean;
}

const VALUE_FLAGS = new Set(['--codec', '--header', '-H', '--param', '-p', '--protocol', '--timeout', '--since']);

/** Parses argv (without node and the script): a command, its positional arguments and the options. */
export function parseArgs(argv: readonly string[]): Args {
  const a: Args = {
    command: '', positional: [], json: false, codec: 'json', headers: {}, params: {}, protocols: [],
    http2: false, insecure: false, check: true, timeoutMs: undefined, since: undefined, presence: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-') || arg === '-') {
      if (a.command === '') a.command = arg;
      else a.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    let value: string | undefined = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    if (VALUE_FLAGS.has(flag) && value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
    }
    switch (flag) {
      case '--json': a.json = true; break;
      case '--http2': a.http2 = true; break;
      case '-k':
      case '--insecure': a.insecure = true; break;
      case '--no-check': a.check = false; break;
      case '--presence': a.presence = true; break;
      case '--since': a.since = parsePosition(value as string); break;
      case '--codec':
        if (value !== 'json' && value !== 'msgpack') throw new UsageError(`--codec must be json or msgpack, not ${value}`);
        a.codec = value;
        break;
      case '-H':
      case '--header': {
        const colon = (value as string).indexOf(':');
        if (colon <= 0) throw new UsageError(`--header takes "Name: value", not ${JSON.stringify(value)}`);
        a.headers[(value as string).slice(0, colon).trim()] = (value as string).slice(colon + 1).trim();
        break;
      }
      case '-p':
      case '--param': {
        const at = (value as string).indexOf('=');
        if (at <= 0) throw new UsageError(`--param takes name=value, not ${JSON.stringify(value)}`);
        a.params[(value as string).slice(0, at)] = (value as string).slice(at + 1);
        break;
      }
      case '--protocol': a.protocols.push(value as string); break;
      case '--timeout': {
        const ms = Number(value);
        if (!Number.isInteger(ms) || ms < 0) throw new UsageError(`--timeout takes milliseconds, not ${value}`);
        a.timeoutMs = ms;
        break;
      }
      case '-h':
      case '--help': a.command = 'help'; break;
      default: throw new UsageError(`unknown option ${arg}`);
    }
  }
  return a;
}

/** Parses `epoch:offset` (the epoch may itself hold colons: the offset is after the last one). */
function parsePosition(text: string): StreamPosition {
  const colon = text.lastIndexOf(':');
  const offset = Number(text.slice(colon + 1));
  if (colon <= 0 || text.slice(colon + 1) === '' || !Number.isSafeInteger(offset) || offset < 0) {
    throw new UsageError(`--since takes epoch:offset (as zwire sub prints them), not ${JSON.stringify(text)}`);
  }
  return { epoch: text.slice(0, colon), offset };
}

/** The URL with the --param values added to its query. */
export function urlWithParams(raw: string, params: Record<string, string>): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`not a URL: ${raw}`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new UsageError(`the URL must be ws:// or wss://, not ${url.protocol}`);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

/** Parses the optional JSON argument of call, watch and sub (absent: no input). */
export function parseInput(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`the input is not valid JSON: ${(err as Error).message}`);
  }
}

export const HELP = `zwire — talk to zwire RPC servers and any WebSocket server

usage:
  zwire call <url> <method> [json]         call a unary method, print its result
  zwire watch <url> <streamMethod> [json]  open a server stream, print each item until it ends
  zwire sub <url> <topic> [json-key]       subscribe to a topic key, print each publication with its position
  zwire describe <url>                     list the methods and topics with their JSON Schemas (server needs introspection: true)
  zwire connect <url>                      raw WebSocket: stdin lines go out as text messages, messages are printed

options:
  --json                 machine-readable output: one JSON value per line
  --codec json|msgpack   RPC envelope codec (default json)
  -H, --header "N: v"    extra handshake header (repeatable)
  -p, --param k=v        connection parameter, added to the URL query (repeatable)
  --protocol p           subprotocol to offer (connect; repeatable)
  --http2                open the WebSocket over HTTP/2 (RFC 8441)
  -k, --insecure         accept any TLS certificate
  --timeout ms           call timeout (default 10000; 0 = none)
  --no-check             do not check the method and input (topic and key) against $describe
  --since epoch:offset   sub: recover the publications after this position (the topic needs history)
  --presence             sub: print subscribers joining and leaving

exit codes: 0 ok, 1 RPC error from the server (a refused subscription too), 2 bad usage or input, 3 connection failed or lost, 4 timeout, 130 interrupted
`;

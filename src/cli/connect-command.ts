import { createInterface } from 'node:readline';
import { connect } from '../client/connect.js';
import { Exit, UsageError, urlWithParams, type Args } from './args.js';
import type { Output } from './output.js';

const QUIET_MS = 300;

/**
 * `zwire connect`: a raw WebSocket session with any RFC 6455 server. Each
 * stdin line goes out as a text message; each message received is printed
 * (binary as hex). End of input closes with 1000 once the server has been
 * quiet for 300 ms; exits 0 on a clean close,
 * 3 on a failed handshake or a connection lost.
 */
export async function connectCommand(args: Args, out: Output): Promise<number> {
  const [rawUrl, ...extra] = args.positional;
  if (rawUrl === undefined || extra.length > 0) throw new UsageError('usage: zwire connect <url>');
  const conn = await connect(urlWithParams(rawUrl, args.params), {
    headers: args.headers,
    protocols: args.protocols,
    http2: args.http2,
    tls: args.insecure ? { rejectUnauthorized: false } : undefined,
    timeoutMs: args.timeoutMs ?? 10_000,
  });
  conn.on('error', () => undefined); // reported through `closed`
  out.note(`connected${conn.protocol === null ? '' : ` (${conn.protocol})`}; type lines to send, end input (Ctrl-D) to close`);
  const lines = createInterface({ input: process.stdin, terminal: false });
  let sending = Promise.resolve();
  lines.on('line', (line) => {
    sending = sending.then(() => (conn.isOpen ? conn.send(line) : undefined)).catch(() => undefined);
  });
  // A Conn drops what arrives after its close frame went out: once input ends, answers to the last lines
  // still get QUIET_MS of silence to arrive before closing
  let lastMessage = Date.now();
  let quietTimer: NodeJS.Timeout | undefined;
  const closeWhenQuiet = (): void => {
    const wait = lastMessage + QUIET_MS - Date.now();
    if (wait > 0) {
      quietTimer = setTimeout(closeWhenQuiet, wait);
      return;
    }
    if (conn.isOpen) conn.close(1000).catch(() => conn.terminate());
  };
  lines.on('close', () => {
    void sending.then(closeWhenQuiet);
  });
  const interrupted = (): void => {
    if (conn.isOpen) void conn.close(1000).catch(() => conn.terminate());
  };
  process.once('SIGINT', interrupted);
  try {
    for await (const m of conn) {
      lastMessage = Date.now();
      if (args.json) out.value(m.binary ? { type: 'binary', hex: m.data.toString('hex') } : { type: 'text', data: m.text() });
      else process.stdout.write(m.binary ? `<binary ${m.data.length} bytes> ${m.data.toString('hex')}\n` : `${m.text()}\n`);
    }
  } catch {
    // how the connection ended is in `closed`
  }
  const info = await conn.closed;
  clearTimeout(quietTimer);
  lines.close();
  process.stdin.destroy();
  process.off('SIGINT', interrupted);
  out.note(`closed ${info.code}${info.reason === '' ? '' : ` ${info.reason}`}${info.wasClean ? '' : ' (not clean)'}`);
  return info.wasClean ? Exit.OK : Exit.UNAVAILABLE;
}

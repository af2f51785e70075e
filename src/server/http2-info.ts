import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Conn } from '../message/conn.js';
import type { ConnInfo, ShutdownSignals } from '../message/conn-info.js';

/** ConnInfo of a WebSocket over HTTP/2: the extended CONNECT's pseudo-headers and fields. */
export class Http2RequestInfo implements ConnInfo {
  private target: URL | null = null;
  private copied: Record<string, string> | null = null;

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly fields: IncomingHttpHeaders,
    private readonly conn: Conn,
    private readonly signals: ShutdownSignals,
  ) {}

  get url(): string {
    return typeof this.fields[':path'] === 'string' ? this.fields[':path'] : '/';
  }

  get path(): string {
    return this.parseTarget().pathname;
  }

  get query(): URLSearchParams {
    return this.parseTarget().searchParams;
  }

  /** The regular fields (pseudo-headers left out), repeated ones joined with ", ". */
  get headers(): Readonly<Record<string, string>> {
    if (this.copied !== null) return this.copied;
    const out = Object.create(null) as Record<string, string>;
    for (const [name, value] of Object.entries(this.fields)) {
      if (name.startsWith(':') || value === undefined) continue;
      out[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return (this.copied = out);
  }

  get remoteAddress(): string | undefined {
    return this.stream.session?.socket?.remoteAddress;
  }

  get protocol(): string | null {
    return this.conn.protocol;
  }

  get signal(): AbortSignal {
    return this.signals.signalFor(this.conn);
  }

  private parseTarget(): URL {
    return (this.target ??= new URL(this.url, 'ws://localhost'));
  }
}

import type { Duplex } from 'node:stream';
import type { Conn } from './conn.js';

/** Where a connection accepted by `listen` came from: the second argument of its handler. */
export interface ConnInfo {
  /** The request-target as sent, e.g. `/chat?room=1`. */
  readonly url: string;
  /** The path part of the request-target, e.g. `/chat`. */
  readonly path: string;
  /** The query part of the request-target, parsed. */
  readonly query: URLSearchParams;
  /** Every request header, names lowercased, repeated headers joined with ", " (a copy, yours to keep). */
  readonly headers: Readonly<Record<string, string>>;
  /** The peer's IP address, while the connection is open. */
  readonly remoteAddress: string | undefined;
  /** The subprotocol chosen in the handshake, or null. */
  readonly protocol: string | null;
  /**
   * Aborted when the server starts closing (`server.close()`), so the handler
   * can wind down. Each connection has its own, made when first asked for: its
   * listeners go away with the connection.
   */
  readonly signal: AbortSignal;
}

/** Where a connection's shutdown signal comes from (the server that accepted it). */
export interface ShutdownSignals {
  signalFor(conn: Conn): AbortSignal;
}

/**
 * ConnInfo read from the request head the handshake kept: nothing is parsed
 * until the handler asks, so a handler that never looks costs one small object.
 */
export class RequestInfo implements ConnInfo {
  private parsed: { url: string; headers: Record<string, string> } | null = null;
  private target: URL | null = null;

  constructor(
    private readonly request: Buffer | undefined,
    private readonly conn: Conn,
    private readonly socket: Duplex,
    private readonly signals: ShutdownSignals,
  ) {}

  get protocol(): string | null {
    return this.conn.protocol;
  }

  get signal(): AbortSignal {
    return this.signals.signalFor(this.conn);
  }

  get url(): string {
    return this.parse().url;
  }

  get path(): string {
    return this.parseTarget().pathname;
  }

  get query(): URLSearchParams {
    return this.parseTarget().searchParams;
  }

  get headers(): Readonly<Record<string, string>> {
    return this.parse().headers;
  }

  get remoteAddress(): string | undefined {
    return (this.socket as { remoteAddress?: string }).remoteAddress;
  }

  private parseTarget(): URL {
    // The base only resolves the path; an absolute-form target keeps its own.
    return (this.target ??= new URL(this.url, 'ws://localhost'));
  }

  /** The request head was validated by the handshake: lines split on CRLF, fields on the first colon. */
  private parse(): { url: string; headers: Record<string, string> } {
    if (this.parsed !== null) return this.parsed;
    const headers = Object.create(null) as Record<string, string>;
    const lines = this.request === undefined ? [] : this.request.toString('latin1').split('\r\n');
    const requestLine = lines[0] ?? '';
    const url = requestLine.slice(requestLine.indexOf(' ') + 1, requestLine.lastIndexOf(' ')) || '/';
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      const prev = headers[name];
      headers[name] = prev === undefined ? value : `${prev}, ${value}`;
    }
    return (this.parsed = { url, headers });
  }
}

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { isValidKey } from './accept-key.js';
import type { UpgradeError } from './errors.js';
import { HeaderParseError } from './errors.js';
import { parseExtensions, parseProtocols, type ExtensionOffer } from './header-values.js';
import { hasListTokenString } from './http-bytes.js';
import { Failure, fromThrown } from './negotiate.js';
import type { UpgradeOptions, UpgradeResult } from './options.js';
import { PendingHandshake, type Settle } from './pending.js';
import { plainHttpFailure } from './request.js';

/** Options of `upgradeHTTP`: the hooks and policy of `upgrade`; the byte limits do not apply (node:http enforced its own). */
export type UpgradeHTTPOptions = Omit<UpgradeOptions, 'maxRequestBytes' | 'maxHeaders' | 'plainHttp'>;

const VERSION_13 = Buffer.from('Sec-WebSocket-Version: 13\r\n', 'latin1');
const ALLOW_GET = Buffer.from('Allow: GET\r\n', 'latin1');
const OWN_HEADERS = new Set([
  'host', 'upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version',
  'sec-websocket-protocol', 'sec-websocket-extensions',
]);

/**
 * Server side of the handshake for node:http's `'upgrade'` event (also
 * Express, Fastify and anything built on node:http): the same validation,
 * hooks, negotiation, timeout and endings as `upgrade`, over the request that
 * node:http already parsed. Hooks get Buffers built from that request; the
 * same rule applies: valid only during the call.
 *
 * Resolves after writing the 101 with the socket PAUSED and `head` (the
 * event's own head argument) to process before `socket.resume()`; rejects
 * with an UpgradeError after answering an HTTP error or destroying the socket.
 */
export function upgradeHTTP(req: IncomingMessage, socket: Duplex, head: Buffer, options: UpgradeHTTPOptions = {}): Promise<UpgradeResult> {
  return new Promise<UpgradeResult>((resolve, reject) => {
    new HttpHandshake(socket, options, resolve, reject).start(req, head);
  });
}

class HttpHandshake extends PendingHandshake {
  constructor(
    socket: Duplex,
    private readonly options: UpgradeHTTPOptions,
    resolve: Settle<UpgradeResult>,
    reject: Settle<UpgradeError>,
  ) {
    super(socket, options, resolve, reject);
  }

  start(req: IncomingMessage, head: Buffer): void {
    if (!this.begin()) return;
    this.socket.pause();
    let verdict: Failure | null;
    let key = '';
    let protocols: string[] | null = null;
    let offers: ExtensionOffer[] | null = null;
    try {
      verdict = this.validate(req);
      if (verdict === null) {
        key = req.headers['sec-websocket-key'] as string;
        protocols = this.protocols(req);
        offers = this.offers(req);
      }
    } catch (err) {
      verdict = err instanceof Failure ? err : fromThrown(err);
    }
    if (verdict !== null) return this.fail(verdict);
    this.proceed(Buffer.from(key, 'latin1'), 0, protocols, offers, head);
  }

  private validate(req: IncomingMessage): Failure | null {
    const o = this.options;
    const h = req.headers;
    if (req.httpVersionMajor !== 1 || req.httpVersionMinor < 1) return new Failure('ERR_HTTP_VERSION', 505, 'HTTP/1.1 required');
    if (req.method !== 'GET') return new Failure('ERR_METHOD', 405, 'Method must be GET', ALLOW_GET);
    if (o.onRequest !== undefined) o.onRequest(Buffer.from(req.url ?? '', 'latin1'));
    if (h.host === undefined) return malformed('Missing Host header');
    if (o.onHost !== undefined) o.onHost(Buffer.from(h.host, 'latin1'));
    const raw = req.rawHeaders;
    let hosts = 0;
    let keys = 0;
    let versions = 0;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i];
      // node:http keeps the first Host and joins repeated others; count them to answer as `upgrade` does
      const n = name.length;
      if (n === 4 && name.toLowerCase() === 'host') hosts++;
      else if (n === 17 && name.toLowerCase() === 'sec-websocket-key') keys++;
      else if (n === 21 && name.toLowerCase() === 'sec-websocket-version') versions++;
      else if (o.onHeader !== undefined && !OWN_HEADERS.has(name.toLowerCase())) o.onHeader(Buffer.from(name, 'latin1'), Buffer.from(raw[i + 1], 'latin1'));
    }
    if (hosts > 1 || keys > 1 || versions > 1) return malformed('Duplicate Host, Sec-WebSocket-Key or Sec-WebSocket-Version header');
    const upgradeValue = h.upgrade;
    if (upgradeValue === undefined) return plainHttpFailure();
    if (!hasListTokenString(upgradeValue, 'websocket')) return malformed('Upgrade header must be websocket');
    if (!hasListTokenString(h.connection ?? '', 'upgrade')) return malformed('Connection header must include Upgrade');
    const version = h['sec-websocket-version'];
    if (version !== '13') {
      return new Failure('ERR_VERSION', 426, version === undefined ? 'Missing Sec-WebSocket-Version' : 'Unsupported WebSocket version', VERSION_13);
    }
    const key = h['sec-websocket-key'];
    if (key === undefined) return malformed('Missing Sec-WebSocket-Key');
    if (!isValidKey(key)) return malformed('Invalid Sec-WebSocket-Key');
    return null;
  }

  private protocols(req: IncomingMessage): string[] | null {
    const v = req.headers['sec-websocket-protocol'];
    if (v === undefined || this.options.selectProtocol === undefined) return null;
    try {
      return parseProtocols(v);
    } catch (e) {
      throw malformed(`Invalid Sec-WebSocket-Protocol: ${(e as HeaderParseError).message}`);
    }
  }

  private offers(req: IncomingMessage): ExtensionOffer[] | null {
    const v = req.headers['sec-websocket-extensions'];
    if (v === undefined || this.options.negotiateExtensions === undefined) return null;
    try {
      return parseExtensions(v, 'drop');
    } catch (e) {
      throw malformed(`Invalid Sec-WebSocket-Extensions: ${(e as HeaderParseError).message}`);
    }
  }
}

function malformed(reason: string): Failure {
  return new Failure('ERR_MALFORMED', 400, reason);
}


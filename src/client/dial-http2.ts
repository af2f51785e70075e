import type { ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import { checkAnswer, connectRequest, DEFAULT_HANDSHAKE_TIMEOUT_MS, HandshakeError, type DialOptions, type ExtensionOffer } from '../upgrade/index.js';
import { holdSession, http2Session } from './http2-sessions.js';

/** An open WebSocket over an HTTP/2 stream (RFC 8441), the counterpart of `dial`'s DialResult. */
export interface Http2DialResult {
  stream: ClientHttp2Stream;
  status: 200;
  headers: Record<string, string>;
  protocol: string | null;
  extensions: ExtensionOffer[];
}

/**
 * Client side of RFC 8441: opens (or reuses) an HTTP/2 session to the URL's
 * origin (wss:// over TLS, ws:// as cleartext h2c), waits for the server's
 * SETTINGS to enable extended CONNECT, and opens the WebSocket as a stream.
 * Rejects with a HandshakeError: ERR_NO_EXTENDED_CONNECT
 * (ExtendedConnectUnsupportedError), ERR_UNEXPECTED_STATUS with the
 * status, headers and bounded body of a refusal, or the handshake's others.
 */
export async function dialHttp2(url: string | URL, options: DialOptions = {}): Promise<Http2DialResult> {
  const target = connectRequest(url, options);
  if (options.signal?.aborted === true) throw new HandshakeError('ERR_ABORTED', 'Aborted', { cause: options.signal.reason });
  const timeoutMs = options.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const pooled = await http2Session(target.origin, options.tls, timeoutMs, options.signal);
  let stream: ClientHttp2Stream;
  try {
    stream = pooled.session.request(target.headers, { endStream: false });
  } catch (err) {
    throw new HandshakeError('ERR_SOCKET', `Could not open a stream: ${(err as Error).message}`, { cause: err });
  }
  holdSession(pooled, stream);
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: HandshakeError): void => {
      if (settled) return;
      settled = true;
      cleanup();
      stream.on('error', ignore);
      if (!stream.destroyed) stream.close(0x8); // CANCEL
      reject(err);
    };
    const onAbort = (): void => fail(new HandshakeError('ERR_ABORTED', 'Aborted', { cause: options.signal?.reason }));
    const onError = (err: Error): void => fail(new HandshakeError('ERR_SOCKET', `Stream failed: ${err.message}`, { cause: err }));
    const onClose = (): void => fail(new HandshakeError('ERR_SOCKET_CLOSED', 'Stream closed during the handshake'));
    const timer = setTimeout(() => fail(new HandshakeError('ERR_HANDSHAKE_TIMEOUT', 'Handshake timed out')), timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    options.signal?.addEventListener('abort', onAbort);
    stream.on('error', onError);
    stream.on('close', onClose);
    stream.once('response', (raw: IncomingHttpHeaders) => {
      const headers = flatten(raw);
      const status = Number(raw[':status']);
      if (status !== 200) {
        stream.off('close', onClose);
        readBody(stream, options.maxErrorBodyBytes ?? 4_096).then((body) =>
          fail(new HandshakeError('ERR_UNEXPECTED_STATUS', `Server answered ${status} instead of 200`, { status, headers, body })),
        );
        return;
      }
      let answer: { protocol: string | null; extensions: ExtensionOffer[] };
      try {
        answer = checkAnswer(headers, options.protocols, options.extensions);
      } catch (err) {
        return fail(err as HandshakeError);
      }
      settled = true;
      cleanup();
      resolve({ stream, status: 200, headers, ...answer });
    });
  });
}

function flatten(raw: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(raw)) {
    if (v !== undefined && !k.startsWith(':')) out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

function readBody(stream: ClientHttp2Stream, max: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => resolve(Buffer.concat(chunks).subarray(0, max));
    stream.on('data', (c: Buffer) => {
      if (size < max) chunks.push(c);
      size += c.length;
      if (size >= max) done();
    });
    stream.once('end', done);
    stream.once('close', done);
  });
}

function ignore(): void {}

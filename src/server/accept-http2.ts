import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Conn } from '../message/conn.js';
import type { Hub } from '../message/hub.js';
import { resolveLimits, type ConnLimits } from '../message/options.js';
import { connFor, deflateNegotiation, type DeflateSetting } from './ws-server.js';
import { answerConnect, DEFAULT_HANDSHAKE_TIMEOUT_MS, UpgradeError, type ExtendedConnectOptions } from '../upgrade/index.js';

/** Options of `acceptHttp2`: the handshake hooks and policy (as for HTTP/1.1), the connection's limits, permessage-deflate. */
export interface Http2AcceptOptions extends Omit<ExtendedConnectOptions, 'negotiateExtensions'>, ConnLimits {
  /** Accept permessage-deflate offers. Default off. */
  deflate?: DeflateSetting;
  /** The hub the connection's topics belong to. */
  hub?: Hub;
}

const EMPTY = Buffer.alloc(0);

/**
 * Server side of RFC 8441: answers an extended CONNECT stream (from
 * node:http2's 'stream' event) with 200 and returns a Conn over the stream,
 * or answers the refusal (400, 405, 501, a hook's status) and rejects with
 * an UpgradeError. A stream that closes or does not finish within
 * `timeoutMs` is reset and rejects with status 0.
 */
export function acceptHttp2(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, options: Http2AcceptOptions = {}): Promise<Conn> {
  return new Promise<Conn>((resolve, reject) => {
    const negotiation = deflateNegotiation(options.deflate);
    let settled = false;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      stream.off('close', onClose);
      stream.off('error', onError);
      return true;
    };
    const drop = (code: string, message: string, cause?: unknown): void => {
      if (!finish()) return;
      stream.on('error', ignore);
      if (!stream.destroyed) stream.close(0x8); // CANCEL
      reject(new UpgradeError(code, 0, message, { cause }));
    };
    const onClose = (): void => drop('ERR_SOCKET_CLOSED', 'Stream closed during the handshake');
    const onError = (err: Error): void => drop('ERR_SOCKET', `Stream error during the handshake: ${err.message}`, err);
    const timer = setTimeout(() => drop('ERR_HANDSHAKE_TIMEOUT', 'Handshake timed out'), options.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
    stream.on('close', onClose);
    stream.on('error', onError);
    if (stream.destroyed) return onClose();
    void answerConnect(headers, { ...options, negotiateExtensions: negotiation?.negotiate }).then((answer) => {
      if (settled) return;
      if (stream.destroyed || stream.closed) return onClose();
      if (!answer.ok) {
        finish();
        stream.on('error', ignore);
        try {
          stream.respond(answer.headers);
          stream.end(answer.reason);
        } catch {
          stream.destroy();
        }
        reject(answer.error);
        return;
      }
      let conn: Conn;
      try {
        stream.respond(answer.headers);
        conn = connFor(stream, { protocol: answer.protocol, extensions: answer.extensions, head: EMPTY }, resolveLimits(options), negotiation, options.hub);
      } catch (err) {
        return drop('ERR_INTERNAL', 'Could not answer the handshake', err);
      }
      finish();
      resolve(conn);
    });
  });
}

function ignore(): void {}

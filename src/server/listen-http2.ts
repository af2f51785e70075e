import type { ServerHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import { RequestInfo } from '../message/conn-info.js';
import { Hub } from '../message/hub.js';
import { acceptWithResult, runHandler, WebSocketServer, type ConnHandler, type ListenOptions as Http1ListenOptions } from './ws-server.js';
import { acceptHttp2 } from './accept-http2.js';
import { answer, DualListener, type Http2Setting } from './dual-listener.js';
import { Http2RequestInfo } from './http2-info.js';

/**
 * listen() with `http2`: one port takes HTTP/1.1 upgrades and HTTP/2
 * extended CONNECTs alike, with the same hooks, negotiation and limits, and
 * the same graceful `close({ graceMs })`: handshakes on either protocol are
 * answered 503 from its start, and HTTP/2 sessions get a GOAWAY once their
 * WebSockets have closed (1001 at the end of the grace period).
 */
export function listenDual(http2: Http2Setting, rest: Http1ListenOptions, handler: ConnHandler): Promise<WebSocketServer> {
  const { port = 0, host = '127.0.0.1', onError, hub = new Hub(), ...limits } = rest;
  const acceptOptions = { ...limits, hub };
  const failed = (err: Error): void => onError?.(err);
  /** HTTP/2 handshakes in progress: answered 503 when the server begins to close. */
  const connecting = new Set<ServerHttp2Stream>();
  const dual = new DualListener(http2, {
    onSocket: (socket: Duplex) => {
      if (!server.handshakeStarted(socket)) return;
      acceptWithResult(socket, acceptOptions).then(
        ({ conn, result }) => {
          if (!server.handshakeEnded(socket)) conn.terminate();
          else if (server.track(conn)) runHandler(conn, new RequestInfo(result.request, conn, socket, server), handler, onError);
        },
        (err: Error) => {
          // handshakes the closing server dropped are not failures to report
          if (server.handshakeEnded(socket)) failed(err);
        },
      );
    },
    onConnect: (stream, headers) => {
      connecting.add(stream);
      acceptHttp2(stream, headers, acceptOptions).then(
        (conn) => {
          connecting.delete(stream);
          if (server.track(conn)) runHandler(conn, new Http2RequestInfo(stream, headers, conn, server), handler, onError);
        },
        (err: Error) => {
          if (connecting.delete(stream)) failed(err);
        },
      );
    },
  });
  const server = new WebSocketServer(dual.server, hub, () => {
    dual.stop();
    for (const stream of connecting) answer(stream, 503, { 'retry-after': '1' }, 'The server is shutting down');
    connecting.clear();
  });
  return new Promise((resolve, reject) => {
    dual.server.once('error', reject);
    dual.server.listen(port, host, () => {
      dual.server.off('error', reject);
      dual.server.on('error', failed);
      resolve(server);
    });
  });
}

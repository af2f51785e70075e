import * as http from 'node:http';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { UpgradeError } from './errors.js';
import type { UpgradeOptions, UpgradeResult } from './options.js';
import { upgradeWith } from './upgrade.js';

/** Options of `createUpgradeServer`. */
export interface UpgradeServerOptions extends Omit<UpgradeOptions, 'plainHttp'> {
  /**
   * Called for every successful handshake, with the socket paused (see
   * UpgradeResult): attach listeners, use `result.head`, then resume.
   */
  onUpgrade(socket: net.Socket, result: UpgradeResult): void;
  /**
   * Plain HTTP requests (no Upgrade header) go here, through node:http, with
   * the connection handed over intact. Without it they get 426 Upgrade Required.
   */
  onHttpRequest?(req: http.IncomingMessage, res: http.ServerResponse): void;
  /** Every failed handshake (already answered or destroyed); for logging. */
  onError?(error: UpgradeError, socket: net.Socket): void;
  /** Passed to net.createServer (noDelay defaults to true). */
  server?: net.ServerOpts;
}

/**
 * A net.Server that runs `upgrade` on every connection. Listen on it as usual;
 * closing it stops new connections (live WebSocket connections are the
 * caller's to close).
 */
export function createUpgradeServer(options: UpgradeServerOptions): net.Server {
  const plain = options.onHttpRequest;
  const httpServer = plain === undefined ? undefined : http.createServer(plain);
  const upgradeOptions: UpgradeOptions = { ...options, plainHttp: httpServer === undefined ? 'reject' : 'release' };
  const done = (result: UpgradeResult, socket: Duplex): void => {
    try {
      options.onUpgrade(socket as net.Socket, result);
    } catch (err) {
      socket.destroy();
      options.onError?.(new UpgradeError('ERR_HANDLER', 0, 'onUpgrade threw', { cause: err }), socket as net.Socket);
    }
  };
  const failed = (err: UpgradeError, socket: Duplex): void => {
    if (err.code === 'ERR_PLAIN_HTTP' && httpServer !== undefined) {
      socket.unshift(err.head);
      httpServer.emit('connection', socket);
      socket.resume();
      return;
    }
    options.onError?.(err, socket as net.Socket);
  };
  // noDelay as a server option is set on the accepted handle directly (WebSocket frames should not wait for Nagle)
  return net.createServer({ noDelay: true, ...options.server }, (socket) => upgradeWith(socket, upgradeOptions, done, failed));
}

/**
 * Sections 1-7 and 10 against the zwire server mounted on node:http (`fromUpgradeHTTP` in the
 * 'upgrade' event), the other server entry point: its handshake and `head` bytes take another path.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe } from 'vitest';
import { fromUpgradeHTTP, type CloseInfo } from '../../src/index.js';
import { rawConnect } from '../helpers/raw-client.js';
import { echo } from '../helpers/zwire-peers.js';
import { EXTRA_SERVER } from './cases/extra.js';
import { PROTOCOL_SECTIONS } from './cases/index.js';
import { defineConformance } from './define-suite.js';
import { verifyLocalClose } from './verify-close.js';

describe('zwire server on node:http (fromUpgradeHTTP + Conn echo)', () => {
  let http: Server;
  const closes: Promise<CloseInfo>[] = [];
  let index = 0;
  beforeAll(async () => {
    http = createServer((_req, res) => res.writeHead(426).end());
    http.on('upgrade', (req, socket, head) => {
      fromUpgradeHTTP(req, socket, head).then(
        (conn) => {
          closes.push(conn.closed);
          void echo(conn);
        },
        () => socket.destroy(),
      );
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });

  defineConformance(
    [...PROTOCOL_SECTIONS, EXTRA_SERVER],
    async () => {
      index = closes.length;
      return (await rawConnect((http.address() as AddressInfo).port)).peer;
    },
    { afterCase: (c) => verifyLocalClose(c, closes[index]) },
  );
});

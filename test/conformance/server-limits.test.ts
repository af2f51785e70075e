/**
 * Autobahn section 9 (messages up to 16 MiB, 4 MiB in fragments down to 64 bytes, 1 MiB in TCP
 * chops, 1000 round trips) against the zwire server with its default limits.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { rawConnect } from '../helpers/raw-client.js';
import { startEchoServer, type EchoServer } from '../helpers/zwire-peers.js';
import { LIMIT_SECTIONS } from './cases/index.js';
import { defineConformance } from './define-suite.js';
import { verifyLocalClose } from './verify-close.js';

describe('zwire server (listen + Conn echo), default limits', () => {
  let echo: EchoServer;
  beforeAll(async () => {
    echo = await startEchoServer();
  });
  afterAll(() => echo.close());

  let index = 0;
  defineConformance(
    LIMIT_SECTIONS,
    async () => {
      index = echo.closes.length;
      return (await rawConnect(echo.port)).peer;
    },
    { afterCase: (c) => verifyLocalClose(c, echo.closes[index]) },
  );
});

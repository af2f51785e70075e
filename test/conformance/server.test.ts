/**
 * Autobahn sections 1-7 and 10 against the zwire server: an echo server made with `listen`,
 * driven by the hand-written raw client.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { rawConnect } from '../helpers/raw-client.js';
import { startEchoServer, type EchoServer } from '../helpers/zwire-peers.js';
import { PROTOCOL_SECTIONS } from './cases/index.js';
import { defineConformance } from './define-suite.js';
import { verifyLocalClose } from './verify-close.js';

describe('zwire server (listen + Conn echo)', () => {
  let echo: EchoServer;
  beforeAll(async () => {
    echo = await startEchoServer();
  });
  afterAll(() => echo.close());

  defineConformance(PROTOCOL_SECTIONS, async () => (await rawConnect(echo.port)).peer, {
    afterCase: (c) => verifyLocalClose(c, echo.closes.at(-1)),
  });
});

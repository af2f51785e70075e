/**
 * Autobahn sections 1-7 and 10 against the zwire server: an echo server made with `listen`,
 * driven by the hand-written raw client; then the checks beyond Autobahn (masking, lengths, limits).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { ConnLimits } from '../../src/index.js';
import { rawConnect } from '../helpers/raw-client.js';
import { startEchoServer, type EchoServer } from '../helpers/zwire-peers.js';
import { EXTRA_SERVER, LIMITED, TEST_MAX_MESSAGE } from './cases/extra.js';
import { PROTOCOL_SECTIONS, type Section } from './cases/index.js';
import { defineConformance, type SuiteOptions } from './define-suite.js';
import { verifyLocalClose } from './verify-close.js';

function serverSuite(title: string, sections: Section[], limits: ConnLimits, suite: SuiteOptions = {}): void {
  describe(title, () => {
    let echo: EchoServer;
    beforeAll(async () => {
      echo = await startEchoServer(limits);
    });
    afterAll(() => echo.close());

    let index = 0;
    defineConformance(
      sections,
      async () => {
        index = echo.closes.length;
        return (await rawConnect(echo.port)).peer;
      },
      { ...suite, afterCase: (c) => verifyLocalClose(c, echo.closes[index]) },
    );
  });
}

serverSuite('zwire server (listen + Conn echo)', [...PROTOCOL_SECTIONS, EXTRA_SERVER], {});
serverSuite(`zwire server with maxMessageSize ${TEST_MAX_MESSAGE}`, [LIMITED], { maxMessageSize: TEST_MAX_MESSAGE });
serverSuite('zwire server, every write in random TCP chops', PROTOCOL_SECTIONS, {}, { randomChops: true });

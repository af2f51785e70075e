/**
 * Autobahn sections 1-7 and 10 against the zwire client: a client Conn (from `connect`) that
 * echoes every message, driven by the hand-written fake server; then the checks beyond Autobahn.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { CloseInfo, ConnLimits } from '../../src/index.js';
import { FakeServer } from '../helpers/fake-server.js';
import { echo, openClient } from '../helpers/zwire-peers.js';
import { EXTRA_CLIENT, LIMITED, TEST_MAX_MESSAGE } from './cases/extra.js';
import { PROTOCOL_SECTIONS, type Section } from './cases/index.js';
import { defineConformance, type SuiteOptions } from './define-suite.js';
import { verifyLocalClose } from './verify-close.js';

function clientSuite(title: string, sections: Section[], limits: ConnLimits, suite: SuiteOptions = {}): void {
  describe(title, () => {
    let fake: FakeServer;
    let closed: Promise<CloseInfo> | undefined;
    beforeAll(async () => {
      fake = await FakeServer.start();
    });
    afterAll(() => fake.close());

    defineConformance(
      sections,
      async () => {
        const [conn, accepted] = await Promise.all([openClient(fake.url, limits), fake.accept()]);
        closed = conn.closed;
        void echo(conn);
        return accepted.peer;
      },
      { ...suite, afterCase: (c) => verifyLocalClose(c, closed) },
    );
  });
}

clientSuite('zwire client (connect + Conn echo)', [...PROTOCOL_SECTIONS, EXTRA_CLIENT], {});
clientSuite(`zwire client with maxMessageSize ${TEST_MAX_MESSAGE}`, [LIMITED], { maxMessageSize: TEST_MAX_MESSAGE });
clientSuite('zwire client, every write in random TCP chops', PROTOCOL_SECTIONS, {}, { randomChops: true });

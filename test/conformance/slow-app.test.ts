/**
 * The strictness cases with an application that takes 20 ms per message: what arrived before a
 * violation must still be delivered and answered even when the answer comes late, and the
 * connection must then fail with the right code (server and client).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { CloseInfo } from '../../src/index.js';
import { FakeServer } from '../helpers/fake-server.js';
import { rawConnect } from '../helpers/raw-client.js';
import { openClient, slowEcho, startServer, type EchoServer } from '../helpers/zwire-peers.js';
import { CLOSE_AFTER_MESSAGE } from './cases/extra.js';
import { STRICTNESS_SECTION, type Section } from './cases/index.js';
import { defineConformance } from './define-suite.js';
import { verifyLocalClose } from './verify-close.js';

const APP_DELAY_MS = 20;
const SECTIONS: Section[] = [{ ...STRICTNESS_SECTION, cases: [...STRICTNESS_SECTION.cases, CLOSE_AFTER_MESSAGE] }];

describe(`zwire server, application answering after ${APP_DELAY_MS} ms`, () => {
  let srv: EchoServer;
  let index = 0;
  beforeAll(async () => {
    srv = await startServer(slowEcho(APP_DELAY_MS));
  });
  afterAll(() => srv.close());

  defineConformance(
    SECTIONS,
    async () => {
      index = srv.closes.length;
      return (await rawConnect(srv.port)).peer;
    },
    { afterCase: (c) => verifyLocalClose(c, srv.closes[index]) },
  );
});

describe(`zwire client, application answering after ${APP_DELAY_MS} ms`, () => {
  let fake: FakeServer;
  let closed: Promise<CloseInfo> | undefined;
  beforeAll(async () => {
    fake = await FakeServer.start();
  });
  afterAll(() => fake.close());

  defineConformance(
    SECTIONS,
    async () => {
      const [conn, accepted] = await Promise.all([openClient(fake.url), fake.accept()]);
      closed = conn.closed;
      void slowEcho(APP_DELAY_MS)(conn);
      return accepted.peer;
    },
    { afterCase: (c) => verifyLocalClose(c, closed) },
  );
});

/**
 * Autobahn sections 1-7 and 10 against the zwire client: a client Conn that echoes every
 * message, driven by the hand-written fake server.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { CloseInfo } from '../../src/index.js';
import { FakeServer } from '../helpers/fake-server.js';
import { echo, openClient } from '../helpers/zwire-peers.js';
import { PROTOCOL_SECTIONS } from './cases/index.js';
import { defineConformance } from './define-suite.js';
import { verifyLocalClose } from './verify-close.js';

describe('zwire client (Conn echo)', () => {
  let fake: FakeServer;
  let closed: Promise<CloseInfo> | undefined;
  beforeAll(async () => {
    fake = await FakeServer.start();
  });
  afterAll(() => fake.close());

  defineConformance(
    PROTOCOL_SECTIONS,
    async () => {
      const [conn, accepted] = await Promise.all([openClient(fake.url), fake.accept()]);
      closed = conn.closed;
      void echo(conn);
      return accepted.peer;
    },
    { afterCase: (c) => verifyLocalClose(c, closed) },
  );
});

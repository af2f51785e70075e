/**
 * Autobahn section 9 (messages up to 16 MiB, 4 MiB in fragments down to 64 bytes, 1 MiB in TCP
 * chops, 1000 round trips) against the zwire client with its default limits.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { CloseInfo } from '../../src/index.js';
import { FakeServer } from '../helpers/fake-server.js';
import { echo, openClient } from '../helpers/zwire-peers.js';
import { LIMIT_SECTIONS } from './cases/index.js';
import { defineConformance } from './define-suite.js';
import { verifyLocalClose } from './verify-close.js';

describe('zwire client (Conn echo), default limits', () => {
  let fake: FakeServer;
  let closed: Promise<CloseInfo> | undefined;
  beforeAll(async () => {
    fake = await FakeServer.start();
  });
  afterAll(() => fake.close());

  defineConformance(
    LIMIT_SECTIONS,
    async () => {
      const [conn, accepted] = await Promise.all([openClient(fake.url), fake.accept()]);
      closed = conn.closed;
      void echo(conn);
      return accepted.peer;
    },
    { afterCase: (c) => verifyLocalClose(c, closed) },
  );
});

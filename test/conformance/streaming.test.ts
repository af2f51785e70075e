/**
 * Sections 1-7 and 10 again with zwire's streaming reader and writer on both sides: every chunk is
 * echoed as a fragment as it arrives, so fail-fast and strictness must hold on that path too,
 * and no invalid UTF-8 may be sent on (the raw peer checks text fragment by fragment).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { CloseInfo } from '../../src/index.js';
import { FakeServer } from '../helpers/fake-server.js';
import { rawConnect } from '../helpers/raw-client.js';
import { openClient, startServer, streamingEcho, type EchoServer } from '../helpers/zwire-peers.js';
import { EXTRA_CLIENT, EXTRA_SERVER } from './cases/extra.js';
import { PROTOCOL_SECTIONS } from './cases/index.js';
import { defineConformance } from './define-suite.js';
import { verifyLocalClose } from './verify-close.js';

describe('zwire server, streaming reader and writer', () => {
  let srv: EchoServer;
  beforeAll(async () => {
    srv = await startServer(streamingEcho);
  });
  afterAll(() => srv.close());

  let index = 0;
  defineConformance(
    [...PROTOCOL_SECTIONS, EXTRA_SERVER],
    async () => {
      index = srv.closes.length;
      return (await rawConnect(srv.port)).peer;
    },
    { afterCase: (c) => verifyLocalClose(c, srv.closes[index]) },
  );
});

describe('zwire client, streaming reader and writer', () => {
  let fake: FakeServer;
  let closed: Promise<CloseInfo> | undefined;
  beforeAll(async () => {
    fake = await FakeServer.start();
  });
  afterAll(() => fake.close());

  defineConformance(
    [...PROTOCOL_SECTIONS, EXTRA_CLIENT],
    async () => {
      const [conn, accepted] = await Promise.all([openClient(fake.url), fake.accept()]);
      closed = conn.closed;
      void streamingEcho(conn);
      return accepted.peer;
    },
    { afterCase: (c) => verifyLocalClose(c, closed) },
  );
});

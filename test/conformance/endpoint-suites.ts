/**
 * The two ways a conformance section is run against zwire: a server made with `listen`, driven by
 * the raw client; or a client Conn from `connect`, accepted by the fake server. Either way `app` is
 * the application on the zwire side (an echo unless said otherwise) and every case ends with
 * verifyLocalClose: what the application was told about how the connection ended.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { CloseInfo, Conn, ConnLimits } from '../../src/index.js';
import { FakeServer } from '../helpers/fake-server.js';
import { rawConnect } from '../helpers/raw-client.js';
import { echo, openClient, startServer, type EchoServer } from '../helpers/zwire-peers.js';
import type { Section } from './cases/index.js';
import { defineConformance, type SuiteOptions } from './define-suite.js';
import { verifyLocalClose } from './verify-close.js';

/** How the zwire endpoint of a suite is set up. */
export interface EndpointOptions {
  /** The application: default echo. */
  app?: (conn: Conn) => Promise<void>;
  limits?: ConnLimits;
  suite?: SuiteOptions;
}

/** `sections` against a zwire server whose handler is `app`. */
export function serverConformance(title: string, sections: Section[], opts: EndpointOptions = {}): void {
  describe(title, () => {
    let srv: EchoServer;
    beforeAll(async () => {
      srv = await startServer(opts.app ?? echo, opts.limits);
    });
    afterAll(() => srv.close());

    let index = 0;
    defineConformance(
      sections,
      async () => {
        index = srv.closes.length;
        return (await rawConnect(srv.port)).peer;
      },
      { ...opts.suite, afterCase: (c) => verifyLocalClose(c, srv.closes[index]) },
    );
  });
}

/** `sections` against a zwire client Conn that `app` runs. */
export function clientConformance(title: string, sections: Section[], opts: EndpointOptions = {}): void {
  const app = opts.app ?? echo;
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
        const [conn, accepted] = await Promise.all([openClient(fake.url, opts.limits), fake.accept()]);
        closed = conn.closed;
        void app(conn);
        return accepted.peer;
      },
      { ...opts.suite, afterCase: (c) => verifyLocalClose(c, closed) },
    );
  });
}

/**
 * The boundary between the opening handshake and the frame stream: frames that arrive in the
 * same TCP write as the handshake must not be lost, and a handshake written one byte at a time
 * must still complete, for the zwire server and the zwire client.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromUpgradeHTTP } from '../../src/index.js';
import { buildFrame, OP } from '../helpers/frame-builder.js';
import { FakeServer } from '../helpers/fake-server.js';
import { rawConnect } from '../helpers/raw-client.js';
import { echo, openClient, startEchoServer, type EchoServer } from '../helpers/zwire-peers.js';
import type { ConformanceCase } from './case-types.js';
import { message, normalClose, pong } from './cases/dsl.js';
import { runCase } from './run-case.js';

const BIN = Buffer.from([0, 1, 2, 0xff]);
const framesFor = (mask: boolean) =>
  Buffer.concat([
    buildFrame({ opcode: OP.ping, payload: 'p', mask }),
    buildFrame({ opcode: OP.text, payload: 'first', mask }),
    buildFrame({ opcode: OP.binary, payload: BIN, mask }),
  ]);

/**
 * Nothing to send: the frames went out with the handshake. The ping comes first because its pong
 * is automatic while echoes go through the application, so only this order is deterministic.
 */
const alreadySent: ConformanceCase = {
  id: 'handshake+frames',
  description: 'frames behind the handshake',
  run: async () => {},
  expect: [pong('p'), message('first'), message(BIN, true)],
  close: normalClose,
};

describe('zwire server: frames and the upgrade request', () => {
  let srv: EchoServer;
  beforeAll(async () => {
    srv = await startEchoServer();
  });
  afterAll(() => srv.close());

  it('handles frames sent in the same TCP write as the upgrade request', async () => {
    const { peer } = await rawConnect(srv.port, { trailing: framesFor(true) });
    await runCase(alreadySent, peer);
  });

  it('completes an upgrade request written one byte at a time, frames following the same way', async () => {
    const { peer } = await rawConnect(srv.port, { trailing: framesFor(true), chop: 1 });
    await runCase(alreadySent, peer);
  });

  it('answers a request with a bad Sec-WebSocket-Key with 400, not 101', async () => {
    const socket = connect({ host: '127.0.0.1', port: srv.port });
    socket.write(
      'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: not-base64-16\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    const answer = await new Promise<string>((resolve) => {
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
      socket.on('close', () => resolve(got));
      socket.on('error', () => resolve(got));
    });
    expect(answer.split('\r\n')[0]).toMatch(/^HTTP\/1\.1 400 /);
  });
});

describe('zwire server on node:http: frames and the upgrade request', () => {
  let http: Server;
  beforeAll(async () => {
    http = createServer((_req, res) => res.writeHead(426).end());
    http.on('upgrade', (req, socket, head) => {
      fromUpgradeHTTP(req, socket, head).then(echo, () => socket.destroy());
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });

  for (const [title, chop] of [
    ['hands frames sent in the same TCP write as the request (node:http head) to the Conn', undefined],
    ['completes a request written one byte at a time, frames following the same way', 1],
  ] as const) {
    it(title, async () => {
      const { peer } = await rawConnect((http.address() as AddressInfo).port, { trailing: framesFor(true), chop });
      await runCase(alreadySent, peer);
    });
  }
});

describe('zwire client: frames and the 101 response', () => {
  for (const [title, chop] of [
    ['handles frames sent in the same TCP write as the 101 response', undefined],
    ['completes a 101 response written one byte at a time, frames following the same way', 1],
  ] as const) {
    it(title, async () => {
      const fake = await FakeServer.start({ trailing: framesFor(false), chop });
      try {
        const [conn, accepted] = await Promise.all([openClient(fake.url), fake.accept()]);
        void echo(conn);
        await runCase(alreadySent, accepted.peer);
      } finally {
        await fake.close();
      }
    });
  }
});

describe('zwire client: broken 101 responses are refused', () => {
  const cases: [string, (lines: string[]) => string[]][] = [
    ['a wrong Sec-WebSocket-Accept', (l) => l.map((x) => (x.startsWith('Sec-WebSocket-Accept') ? 'Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==' : x))],
    ['no Upgrade header', (l) => l.filter((x) => !x.startsWith('Upgrade'))],
    ['status 200 instead of 101', (l) => ['HTTP/1.1 200 OK', ...l.slice(1), 'Content-Length: 0']],
    ['an extension that was not offered', (l) => [...l, 'Sec-WebSocket-Extensions: permessage-deflate']],
    ['a subprotocol that was not offered', (l) => [...l, 'Sec-WebSocket-Protocol: chat']],
  ];
  for (const [what, mutate] of cases) {
    it(`rejects ${what} and closes the socket`, async () => {
      const fake = await FakeServer.start({ mutate });
      try {
        const accepted = fake.accept();
        await expect(openClient(fake.url)).rejects.toBeInstanceOf(Error);
        const { peer } = await accepted;
        expect(await peer.waitTcpClose(2000), 'client closed the TCP connection').toBe(true);
      } finally {
        await fake.close();
      }
    });
  }
});

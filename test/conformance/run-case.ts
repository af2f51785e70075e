/**
 * Runs one conformance case against a peer under test and asserts what Autobahn asserts: the
 * events received (exactly, in order), who closed, the close code, and that the TCP connection
 * ends (the server drops it; the client's side is ended by us after the close handshake).
 */
import { expect } from 'vitest';
import { describeClose, type PeerEvent, type RawPeer } from '../helpers/raw-peer.js';
import type { ConformanceCase, ExpectedEvent } from './case-types.js';

const CLOSE_WAIT_MS = 3000;
const FAIL_DROP_MS = 2000;

export async function runCase(c: ConformanceCase, peer: RawPeer): Promise<void> {
  try {
    await runCaseInner(c, peer);
  } finally {
    peer.destroy();
  }
}

async function runCaseInner(c: ConformanceCase, peer: RawPeer): Promise<void> {
  const timeoutMs = c.timeoutMs ?? 5000;
  await c.run(peer);

  if (c.close.initiator === 'tester') {
    if (!peer.sentClose) {
      await peer.waitUntil(() => matchedOrDone(c, peer), timeoutMs);
      await peer.sendClose(1000);
    }
    await peer.waitCloseOrDrop(CLOSE_WAIT_MS);
  } else {
    const closed = await peer.waitCloseOrDrop(timeoutMs);
    expect(closed, `${c.id}: the peer must fail the connection`).toBe(true);
    expect(peer.sentClose, `${c.id}: the peer must close first`).toBe(false);
    // Failing the connection (RFC 6455 7.1.7) is a close frame and then the TCP close, without
    // waiting for our close frame.
    const droppedAlone = await peer.waitTcpClose(FAIL_DROP_MS);
    expect(droppedAlone, `${c.id}: after failing with ${describeClose(peer.closeFrame)} the peer must drop TCP by itself`).toBe(true);
  }

  // The server drops TCP after the close handshake (RFC 6455 7.1.1); a client waits for that,
  // so against a client we play the server and end it ourselves.
  if (peer.role === 'server') peer.socket.end();
  const dropped = await peer.waitTcpClose(CLOSE_WAIT_MS);

  const got = peer.pending().map(summarize);
  const want = c.expect.map(summarize);
  if (c.informational) {
    expect(want.slice(0, got.length), `${c.id}: events must be a prefix of the allowed ones`).toEqual(got);
  } else {
    expect(got, `${c.id}: events received from the peer`).toEqual(want);
  }

  const cf = peer.closeFrame;
  expect(cf, `${c.id}: the peer must send a close frame before dropping TCP`).not.toBeNull();
  if (cf!.code === null) {
    expect(c.close.allowEmpty ?? false, `${c.id}: close frame without a status code; expected ${c.close.codes.join('/')}`).toBe(true);
  } else {
    expect(c.close.codes, `${c.id}: close code ${describeClose(cf)}`).toContain(cf!.code);
  }
  expect(dropped, `${c.id}: the TCP connection must be closed within ${CLOSE_WAIT_MS} ms of the close handshake`).toBe(true);
}

/** True when the expected events (or more) are in, or the connection is going away. */
function matchedOrDone(c: ConformanceCase, peer: RawPeer): boolean {
  return peer.pending().length >= c.expect.length || peer.closeFrame !== null || peer.tcpClosed;
}

type Summary = { type: string; binary?: boolean; length?: number; data?: string; label?: string; reason?: string };

/** Comparable form of an event; long payloads become length + hash-free prefix/suffix views. */
function summarize(e: PeerEvent | ExpectedEvent): Summary {
  switch (e.type) {
    case 'message':
      return { type: e.type, binary: e.binary, length: e.data.length, data: show(e.data) };
    case 'ping':
    case 'pong':
      return { type: e.type, length: e.data.length, data: show(e.data) };
    case 'mark':
      return { type: e.type, label: e.label };
    case 'violation':
      return { type: e.type, reason: e.reason };
  }
}

/** Exact hex for short payloads; for long ones a digest that still catches any changed byte. */
function show(data: Buffer): string {
  if (data.length <= 64) return data.toString('hex');
  let h1 = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) h1 = Math.imul(h1 ^ data[i], 0x01000193);
  return `${data.subarray(0, 16).toString('hex')}..${data.subarray(-16).toString('hex')} fnv1a=${(h1 >>> 0).toString(16)}`;
}

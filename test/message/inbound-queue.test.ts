import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OPEN } from '../../src/message/conn-state.js';
import { consumed, enqueue, messages, signal } from '../../src/message/inbound-queue.js';
import type { Inbound } from '../../src/message/inbound-queue.js';
import { ReceivedMessage } from '../../src/message/message.js';
import type { Message } from '../../src/message/message.js';
import { resolveLimits } from '../../src/message/options.js';
import { Signal } from '../../src/message/queue-items.js';

/**
 * The inbound queue is one part of a Conn that can be driven alone: this host
 * has only the fields its interface names, and records the entry points it calls
 * (what the Conn's closing part and receiver would do).
 */
function host(): Inbound & { calls: string[] } {
  const calls: string[] = [];
  const h: Inbound & { calls: string[] } = {
    calls,
    role: 'server',
    limits: resolveLimits({ readHighWaterMark: 8 }),
    socket: new PassThrough(),
    deflate: null,
    sink: null,
    state: OPEN,
    error: undefined,
    closeSent: false,
    finalized: false,
    paused: false,
    outPaused: false,
    fail: (err) => calls.push(`fail: ${err.message}`),
    onPeerClose: (code, reason) => calls.push(`peer close ${code} ${reason}`),
    resumeReading: () => calls.push('resume'),
    emitError: () => {},
    consumed: (n) => consumed(h, n),
    items: null,
    qHead: 0,
    qTail: 0,
    queuedBytes: 0,
    waiter: null,
    mode: null,
    iterating: false,
    readStopped: false,
    readEnded: false,
    extra: null,
    msgStream: null,
    msgFrames: 0,
  };
  return h;
}

function message(text: string): ReceivedMessage {
  return new ReceivedMessage(false, Buffer.from(text));
}

describe('the inbound queue, alone', () => {
  it("a peer's close takes effect after the messages queued before it, once the consumer asks for the next", async () => {
    const h = host();
    const it = messages(h, undefined) as AsyncIterableIterator<Message>;
    enqueue(h, message('one'), 3);
    enqueue(h, message('two'), 3);
    expect((await it.next()).value?.text()).toBe('one');
    signal(h, new Signal(null, 1000, 'bye'));
    expect(h.calls).toEqual([]);
    expect((await it.next()).value?.text()).toBe('two');
    expect(h.calls).toEqual([]);
    expect((await it.next()).done).toBe(true);
    expect(h.calls).toEqual(['peer close 1000 bye']);
    expect(h.items).toBeNull();
    expect(h.extra?.signalTimer).toBeNull();
  });

  it('a protocol error while nobody reads fails the connection at once', () => {
    const h = host();
    enqueue(h, message('kept'), 4);
    signal(h, new Signal(new Error('bad frame'), 0, ''));
    expect(h.calls).toEqual(['fail: bad frame']);
    expect(h.readStopped).toBe(true);
  });

  it('reading resumes once the consumer took the queue below half the high-water mark', async () => {
    const h = host();
    const it = messages(h, undefined) as AsyncIterableIterator<Message>;
    for (const text of ['aaaa', 'bbbb', 'cccc']) enqueue(h, message(text), 4);
    h.paused = true;
    await it.next();
    expect(h.calls).toEqual([]);
    await it.next();
    expect(h.calls).toEqual(['resume']);
    expect(h.paused).toBe(false);
    expect(h.queuedBytes).toBe(4);
  });
});

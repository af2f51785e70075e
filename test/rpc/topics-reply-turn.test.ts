/**
 * The answer to a call that published goes out with the publications
 * (RpcSocket.sendWithTurn: one write per socket per turn for both); every
 * other message goes through `send`.
 */
import { describe, expect, it } from 'vitest';
import { memoryEngine } from '../../src/engine/index.js';
import { Kind, Subprotocol } from '../../src/rpc/envelope.js';
import { RpcRouter } from '../../src/rpc/server.js';
import type { RpcSocket } from '../../src/rpc/socket.js';
import { TopicKind } from '../../src/rpc/topic-envelopes.js';
import { until } from './fixture.js';
import { chatHandlers, type Chat, type Ctx } from './topics-fixture.js';
import { chat } from './topics-service.js';

/** A socket recording each message's kind and whether it went with the turn. */
function recordingSocket(): { socket: RpcSocket; sent: [kind: unknown, withTurn: boolean][] } {
  const sent: [unknown, boolean][] = [];
  const kindOf = (data: string | Uint8Array): unknown => (JSON.parse(data as string) as unknown[])[0];
  return {
    sent,
    socket: {
      send: (data) => void sent.push([kindOf(data), false]),
      sendWithTurn: (data) => void sent.push([kindOf(data), true]),
      bufferedAmount: 0,
      close: () => undefined,
    },
  };
}

describe('answers that go with publications', () => {
  it('a publish request and a call that published are answered with the turn; subscribing and other calls are not', async () => {
    const router = new RpcRouter<Chat, Ctx>(chat, chatHandlers, { engine: memoryEngine() });
    const { socket, sent } = recordingSocket();
    const session = router.attach(socket, Subprotocol.json, { user: 'ada' });
    session.receive(JSON.stringify([TopicKind.Subscribe, 1, 'board', { id: 1 }]));
    session.receive(JSON.stringify([TopicKind.Subscribe, 2, 'room', { room: 'r' }]));
    await until(() => sent.filter(([k]) => k === TopicKind.Subscribed).length === 2);
    session.receive(JSON.stringify([TopicKind.Publish, 3, 'board', { id: 1 }, { text: 'hi' }]));
    await until(() => sent.some(([k]) => k === Kind.Result));
    session.receive(JSON.stringify([Kind.Call, 4, 'say', { room: 'r', text: 'hello' }]));
    await until(() => sent.filter(([k]) => k === Kind.Result).length === 2);
    session.receive(JSON.stringify([Kind.Call, 5, 'say', { room: 'r', text: 7 }]));
    await until(() => sent.some(([k]) => k === Kind.Error));
    session.receive(JSON.stringify([TopicKind.Publish, 6, 'board', { id: 1 }, { text: 'spam' }]));
    await until(() => sent.filter(([k]) => k === Kind.Error).length === 2);
    expect(sent.filter(([k]) => k !== TopicKind.Join)).toEqual([
      [TopicKind.Subscribed, false],
      [TopicKind.Subscribed, false],
      [TopicKind.Publication, false],
      [Kind.Result, true],
      [TopicKind.Publication, false],
      [Kind.Result, true],
      // invalid input: the handler never ran, nothing was published
      [Kind.Error, false],
      // refused by the topic's publish handler
      [Kind.Error, false],
    ]);
    session.close();
  });
});

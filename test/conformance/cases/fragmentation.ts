/** Autobahn section 5: fragmentation. */
import type { RawPeer } from '../../helpers/raw-peer.js';
import type { ConformanceCase } from '../case-types.js';
import type { SendOptions } from '../../helpers/raw-peer.js';
import { cont, failWith, frame, message, normalClose, OP, ping, pong, sendCase, text } from './dsl.js';

const F = ['fragment1', 'fragment2', 'fragment3', 'fragment4', 'fragment5'];
const CHOPS: [string, SendOptions][] = [
  ['in one chop', {}],
  ['in frame-wise chops', { sync: true }],
  ['in octet-wise chops', { chop: 1 }],
];

function threeWays(first: number, make: (chops: string, opts: SendOptions, id: string) => ConformanceCase): ConformanceCase[] {
  return CHOPS.map(([label, opts], i) => make(label, opts, `5.${first + i}`));
}

/** 5.19 / 5.20: pings between fragments must be answered before the message is complete. */
function pingsBetweenFragments(id: string, sync: boolean): ConformanceCase {
  const pings = ['pongme 1!', 'pongme 2!'];
  return {
    id,
    description: `fragmented text with pings in between, a pause after the first ping${sync ? ', frame-wise chops' : ''}`,
    async run(peer: RawPeer) {
      await peer.send([text(F[0], { fin: false }), cont(F[1], { fin: false }), ping(pings[0])], { sync });
      // Autobahn waits 1 s here (2 s for loaded CI machines); the pong must come while the message is still incomplete.
      const answered = await peer.waitUntil(() => peer.events.some((e) => e.type === 'pong'), 2000);
      if (!answered) peer.mark('first pong not sent before the message was complete');
      await peer.send([cont(F[2], { fin: false }), cont(F[3], { fin: false }), ping(pings[1]), cont(F[4])], { sync });
    },
    expect: [pong(pings[0]), pong(pings[1]), message(F.join(''))],
    close: normalClose,
  };
}

export const section5: ConformanceCase[] = [
  sendCase('5.1', 'ping in 2 fragments: fail', [ping(F[0], { fin: false }), cont(F[1])], [], failWith(1002)),
  sendCase('5.2', 'pong in 2 fragments: fail', [frame(OP.pong, F[0], { fin: false }), cont(F[1])], [], failWith(1002)),
  ...threeWays(3, (how, opts, id) =>
    sendCase(id, `text in 2 fragments ${how}`, [text(F[0], { fin: false }), cont(F[1])], [message(F[0] + F[1])], normalClose, opts),
  ),
  ...threeWays(6, (how, opts, id) =>
    sendCase(
      id,
      `text in 2 fragments with a ping between them ${how}`,
      [text(F[0], { fin: false }), ping('ping payload'), cont(F[1])],
      [pong('ping payload'), message(F[0] + F[1])],
      normalClose,
      opts,
    ),
  ),
  ...threeWays(9, (how, opts, id) =>
    sendCase(
      id,
      `continuation (FIN) with nothing to continue, then text, ${how}: fail`,
      [cont('non-continuation payload'), text('Hello, world!')],
      [],
      failWith(1002),
      opts,
    ),
  ),
  ...threeWays(12, (how, opts, id) =>
    sendCase(
      id,
      `continuation (no FIN) with nothing to continue, then text, ${how}: fail`,
      [cont('non-continuation payload', { fin: false }), text('Hello, world!')],
      [],
      failWith(1002),
      opts,
    ),
  ),
  // Strictness: the complete first message precedes the violation in the same chunk and must be echoed.
  sendCase(
    '5.15',
    'text in 2 fragments, then a continuation with nothing to continue, then text (one chop): echo the first, fail',
    [text(F[0], { fin: false }), cont(F[1]), cont(F[2], { fin: false }), text(F[3])],
    [message(F[0] + F[1])],
    failWith(1002),
  ),
  sendCase(
    '5.16',
    '2x: continuation (no FIN) with nothing to continue, then text in 2 fragments: fail',
    [0, 1].flatMap(() => [cont(F[0], { fin: false }), text(F[1], { fin: false }), cont(F[2])]),
    [],
    failWith(1002),
  ),
  sendCase(
    '5.17',
    '2x: continuation (FIN) with nothing to continue, then text in 2 fragments: fail',
    [0, 1].flatMap(() => [cont(F[0]), text(F[1], { fin: false }), cont(F[2])]),
    [],
    failWith(1002),
  ),
  sendCase('5.18', 'text in 2 fragments, both with opcode text: fail', [text(F[0], { fin: false }), text(F[1])], [], failWith(1002)),
  pingsBetweenFragments('5.19', false),
  pingsBetweenFragments('5.20', true),
];


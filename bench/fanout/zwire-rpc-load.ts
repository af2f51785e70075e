// Fan-out load generator for zwire's typed RPC topics, over raw sockets (one
// process, pinned to its own CPU): speaks the msgpack RPC subprotocol with
// pre-built masked frames: each client sends one Subscribe request for the
// room, publishers send the topic's client Publish requests. A publication's
// message is { data: <size characters>, tag: <8 hex digits> }; deliveries are
// counted by reading frame headers and a publication's last 8 bytes
// (rpc-counter.ts). zwire's codec only builds the frames, before the clock runs.
import { BINARY, maskedFrame } from '../echo/frames.js';
import { envelopeCodec } from '../../src/rpc/codecs.js';
import { Subprotocol } from '../../src/rpc/envelope.js';
import { TopicKind } from '../../src/rpc/topic-envelopes.js';
import { Ledger } from './ledger.js';
import { serveRawLoad } from './raw-load.js';
import { RpcDeliveryCounter, tagText } from './rpc-counter.js';

const msgpack = envelopeCodec('msgpack');
const KEY = { room: 'bench' };

function frameOf(env: unknown[]): Buffer {
  const data = msgpack.envelope(env);
  if (typeof data === 'string') throw new TypeError('the msgpack codec encodes to bytes');
  return maskedFrame(BINARY, data);
}

serveRawLoad({
  protocol: Subprotocol.msgpack,
  subscribeFrame: frameOf([TopicKind.Subscribe, 1, 'room', KEY]),
  publishFrame(shape, p, s) {
    return frameOf([TopicKind.Publish, s + 1, 'room', KEY, { data: 'x'.repeat(shape.size), tag: tagText(Ledger.tag(p, s)) }]);
  },
  counter: () => new RpcDeliveryCounter(),
});

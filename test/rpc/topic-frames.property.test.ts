/**
 * The envelopes a channel sends its subscribers are built from the payload as
 * the engine carries it (packed once at publish): for msgpack the head is
 * spliced around those bytes. They must be byte for byte what encoding the
 * whole envelope gives, for any value and any channel, epoch and offset.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonEnvelope } from '../../src/rpc/codec-json.js';
import { msgpackEnvelope, packValue } from '../../src/rpc/codec-msgpack.js';
import { topicEnvelope, TopicKind } from '../../src/rpc/topic-envelopes.js';
import { PresenceFrames, PublicationFrames, publicationEnvelope } from '../../src/rpc/topic-frames.js';
import { wireValue } from './wire-values.js';

function bytes(data: string | Uint8Array): Buffer {
  if (typeof data === 'string') throw new TypeError('msgpack envelopes are bytes');
  return Buffer.from(data);
}

const channel = fc.string({ maxLength: 300 });
const epoch = fc.string({ minLength: 1, maxLength: 40 });
const offset = fc.oneof(fc.nat(200), fc.nat(0xffffffff), fc.constantFrom(127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32), fc.maxSafeNat());

describe('topic envelopes built around the packed payload', () => {
  it('a publication is the envelope encoded whole, for both codecs, known value or decoded', () => {
    fc.assert(
      fc.property(wireValue(false), channel, epoch, offset, fc.boolean(), (v, ch, e, o, known) => {
        const pub = { epoch: e, offset: o, data: packValue(v) };
        const frames = new PublicationFrames(ch, pub, known ? v : undefined, known);
        const whole = msgpackEnvelope.envelope([TopicKind.Publication, ch, e, o, v]);
        expect(bytes(frames.encoded('msgpack'))).toEqual(bytes(whole));
        expect(bytes(publicationEnvelope(msgpackEnvelope, ch, pub))).toEqual(bytes(whole));
        const json = topicEnvelope.publication(jsonEnvelope, ch, e, o, msgpackEnvelope.decode(packValue(v)));
        expect(frames.encoded('json')).toEqual(json);
        expect(publicationEnvelope(jsonEnvelope, ch, pub)).toEqual(json);
      }),
      { numRuns: 300 },
    );
  });

  it('publications in a run on one channel (the head packed once) and then on another are the envelopes encoded whole', () => {
    fc.assert(
      fc.property(channel, channel, epoch, fc.array(fc.tuple(offset, wireValue(false)), { minLength: 1, maxLength: 5 }), (a, b, e, run) => {
        for (const ch of [a, b, a]) {
          for (const [o, v] of run) {
            const got = publicationEnvelope(msgpackEnvelope, ch, { epoch: e, offset: o, data: packValue(v) });
            expect(bytes(got)).toEqual(bytes(msgpackEnvelope.envelope([TopicKind.Publication, ch, e, o, v])));
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('a join or leave is the presence event encoded whole', () => {
    fc.assert(
      fc.property(wireValue(false), channel, fc.constantFrom(TopicKind.Join, TopicKind.Leave), (info, ch, kind) => {
        const frames = new PresenceFrames(kind, ch, packValue(info));
        expect(bytes(frames.encoded('msgpack'))).toEqual(bytes(topicEnvelope.presenceEvent(msgpackEnvelope, kind, ch, info)));
        expect(frames.encoded('json')).toEqual(topicEnvelope.presenceEvent(jsonEnvelope, kind, ch, msgpackEnvelope.decode(packValue(info))));
      }),
      { numRuns: 200 },
    );
  });

  it('encodes once per codec however many subscribers ask', () => {
    const frames = new PublicationFrames('room:{}', { epoch: 'e', offset: 1, data: packValue({ a: 1 }) }, { a: 1 }, true);
    expect(frames.encoded('msgpack')).toBe(frames.encoded('msgpack'));
    expect(frames.encoded('json')).toBe(frames.encoded('json'));
  });
});

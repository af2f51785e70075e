/**
 * The envelopes one channel sends to all its subscribers (publication, join,
 * leave), each encoded at most once per codec. The engine carries payloads
 * packed with the msgpack codec, so the msgpack envelope is those bytes with
 * the head packed around them; only JSON needs the value, decoded once.
 */
import type { Publication } from '../engine/engine.js';
import type { EnvelopeCodec, WireData } from './codec.js';
import { jsonEnvelope } from './codec-json.js';
import { MAX_UINT32, packAround, packHead, uintSize, unpackValue, writeUint } from './codec-msgpack.js';
import type { CodecName } from './envelope.js';
import { topicEnvelope, TopicKind } from './topic-envelopes.js';
import type { Frames } from './topic-fanout.js';

/**
 * [Publication, channel, epoch] of the channel published last, packed as the
 * head of the 5-element envelope: publications come in runs of one channel,
 * so one entry spares most of them packing it.
 */
let lastHead: { channel: string; epoch: string; bytes: Uint8Array } | null = null;

/** The msgpack Publication envelope: the head, the offset, then the payload's bytes as the engine carries them. */
function msgpackPublication(channel: string, pub: Publication): Uint8Array {
  const { epoch, offset, data } = pub;
  if (offset > MAX_UINT32) return packAround([TopicKind.Publication, channel, epoch, offset], data);
  if (lastHead === null || lastHead.channel !== channel || lastHead.epoch !== epoch) {
    lastHead = { channel, epoch, bytes: packHead([TopicKind.Publication, channel, epoch], 5) };
  }
  const head = lastHead.bytes;
  // from Node's buffer pool: a new Uint8Array of this size is an ArrayBuffer of its own, zero-filled, every publication
  const out = Buffer.allocUnsafe(head.length + uintSize(offset) + data.length);
  out.set(head, 0);
  out.set(data, writeUint(out, head.length, offset));
  return out;
}

/** The Publication envelope of `pub` for one subscriber's codec (history and recovery send them one by one). */
export function publicationEnvelope(codec: EnvelopeCodec, channel: string, pub: Publication): WireData {
  if (codec.name === 'msgpack') return msgpackPublication(channel, pub);
  return topicEnvelope.publication(codec, channel, pub.epoch, pub.offset, unpackValue(pub.data));
}

/** A live publication for every subscriber of its channel on this node. */
export class PublicationFrames implements Frames {
  private json: WireData | undefined = undefined;
  private msgpack: WireData | undefined = undefined;

  /**
   * `known`: `value` is what `pub.data` was packed from (published on this
   * node), so JSON needs no decoding; otherwise it is decoded on first demand.
   */
  constructor(
    private readonly channel: string,
    private readonly pub: Publication,
    private value: unknown,
    private known: boolean,
  ) {}

  encoded(codec: CodecName): WireData {
    const pub = this.pub;
    if (codec === 'msgpack') return (this.msgpack ??= msgpackPublication(this.channel, pub));
    if (this.json === undefined) {
      if (!this.known) {
        this.value = unpackValue(pub.data);
        this.known = true;
      }
      this.json = topicEnvelope.publication(jsonEnvelope, this.channel, pub.epoch, pub.offset, this.value);
    }
    return this.json;
  }
}

/** A presence event (join or leave) for every subscriber of its channel on this node. */
export class PresenceFrames implements Frames {
  private json: WireData | undefined = undefined;
  private msgpack: WireData | undefined = undefined;

  constructor(
    private readonly kind: typeof TopicKind.Join | typeof TopicKind.Leave,
    private readonly channel: string,
    /** The presence as the engine carries it, packed. */
    private readonly info: Uint8Array,
  ) {}

  encoded(codec: CodecName): WireData {
    if (codec === 'msgpack') return (this.msgpack ??= packAround([this.kind, this.channel], this.info));
    return (this.json ??= topicEnvelope.presenceEvent(jsonEnvelope, this.kind, this.channel, unpackValue(this.info)));
  }
}

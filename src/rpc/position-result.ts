/**
 * The answer to a client's Publish request, [Result, id, { epoch, offset }],
 * written by hand: it is sent once per publication, and packing it whole was
 * a fixed cost of every publish call. The bytes are those the codec's
 * `result` writes (property-tested).
 */
import type { EnvelopeCodec, WireData } from './codec.js';
import { MAX_UINT32, packValue, uintSize, writeUint } from './codec-msgpack.js';
import { Kind } from './envelope.js';
import type { StreamPosition } from './topic.js';

/** `{ epoch: <epoch>, offset: ` of the epoch answered last, in each codec: an epoch lasts for many publications. */
let lastMsgpack: { epoch: string; bytes: Uint8Array } | null = null;
let lastJson: { epoch: string; text: string } | null = null;

function msgpackPosition(id: number, epoch: string, offset: number): Uint8Array {
  if (lastMsgpack === null || lastMsgpack.epoch !== epoch) {
    // the map with offset 0 packed, minus that last byte (positive fixint 0)
    const whole = packValue({ epoch, offset: 0 }, true);
    lastMsgpack = { epoch, bytes: whole.slice(0, whole.length - 1) };
  }
  const map = lastMsgpack.bytes;
  const out = new Uint8Array(2 + uintSize(id) + map.length + uintSize(offset));
  out[0] = 0x93;
  out[1] = Kind.Result;
  const at = writeUint(out, 2, id);
  out.set(map, at);
  writeUint(out, at + map.length, offset);
  return out;
}

function jsonPosition(id: number, epoch: string, offset: number): string {
  if (lastJson === null || lastJson.epoch !== epoch) lastJson = { epoch, text: `,{"epoch":${JSON.stringify(epoch)},"offset":` };
  return `[${Kind.Result},${id}${lastJson.text}${offset}}]`;
}

/** The Result envelope answering publish request `id` with the publication's position. */
export function positionResult(codec: EnvelopeCodec, id: number, at: StreamPosition): WireData {
  const { epoch, offset } = at;
  if (codec.name === 'json') return jsonPosition(id, epoch, offset);
  if (id > MAX_UINT32 || offset > MAX_UINT32) return codec.result(id, { epoch, offset }, true);
  return msgpackPosition(id, epoch, offset);
}

/** Small constructors that keep the case tables close to the Autobahn sources they transcribe. */
import { OP, toBytes, type FrameSpec } from '../../helpers/frame-builder.js';
import type { SendOptions } from '../../helpers/raw-peer.js';
import type { ConformanceCase, ExpectedClose, ExpectedEvent } from '../case-types.js';

export { OP };

type Payload = string | Uint8Array;

export const frame = (opcode: number, payload: Payload = '', opts: Omit<FrameSpec, 'opcode' | 'payload'> = {}): FrameSpec => ({
  opcode,
  payload,
  ...opts,
});
export const text = (payload: Payload = '', opts: Omit<FrameSpec, 'opcode' | 'payload'> = {}) => frame(OP.text, payload, opts);
export const binary = (payload: Payload = '', opts: Omit<FrameSpec, 'opcode' | 'payload'> = {}) => frame(OP.binary, payload, opts);
export const cont = (payload: Payload = '', opts: Omit<FrameSpec, 'opcode' | 'payload'> = {}) => frame(OP.cont, payload, opts);
export const ping = (payload: Payload = '', opts: Omit<FrameSpec, 'opcode' | 'payload'> = {}) => frame(OP.ping, payload, opts);
export const pongFrame = (payload: Payload = '', opts: Omit<FrameSpec, 'opcode' | 'payload'> = {}) => frame(OP.pong, payload, opts);

export const message = (data: Payload, isBinary = false): ExpectedEvent => ({ type: 'message', binary: isBinary, data: toBytes(data) });
export const pong = (data: Payload = ''): ExpectedEvent => ({ type: 'pong', data: toBytes(data) });
export const mark = (label: string): ExpectedEvent => ({ type: 'mark', label });

/** Clean close started by the tester, peer answers 1000. */
export const normalClose: ExpectedClose = { initiator: 'tester', codes: [1000] };
/** The peer fails the connection with this code. */
export const failWith = (...codes: number[]): ExpectedClose => ({ initiator: 'peer', codes });

/** Fragments of `size` bytes as Autobahn's payload_frag_size: first frame carries the opcode. */
export function fragments(opcode: number, payload: Payload, size: number): FrameSpec[] {
  const bytes = toBytes(payload);
  const out: FrameSpec[] = [];
  for (let i = 0; i === 0 || i < bytes.length; i += size) {
    const end = Math.min(bytes.length, i + size);
    out.push({ opcode: i === 0 ? opcode : OP.cont, payload: bytes.subarray(i, end), fin: end === bytes.length });
  }
  return out;
}

/** A case that sends frames (in one write unless opts say otherwise) and then waits for the outcome. */
export function sendCase(
  id: string,
  description: string,
  frames: FrameSpec[],
  expect: ExpectedEvent[],
  close: ExpectedClose,
  opts: SendOptions & { timeoutMs?: number } = {},
): ConformanceCase {
  const { timeoutMs, ...sendOpts } = opts;
  return {
    id,
    description,
    run: (peer) => peer.send(frames, sendOpts),
    expect,
    close,
    timeoutMs,
  };
}

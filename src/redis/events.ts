import type { Publication } from '../engine/engine.js';

/** What a node receives on a channel's pub/sub channel, parsed once (the format is written by the scripts in lua.ts). */
export type ChannelEvent =
  | { readonly kind: 'publication'; readonly pub: Publication }
  | { readonly kind: 'join' | 'leave'; readonly clientId: string; readonly info: Uint8Array };

const COLON = 0x3a;
const P = 0x70;
const J = 0x6a;
const L = 0x6c;

/**
 * `view` on its own memory when it is a small part of a larger buffer: node-redis
 * hands out views of whole socket reads, and a held publication of a few
 * bytes would otherwise keep a read of up to 64 KiB alive.
 */
export function own(view: Buffer): Buffer {
  return view.byteLength * 2 < view.buffer.byteLength ? Buffer.from(view) : view;
}

/** Reads a decimal number from `start` up to the next colon; returns it and the colon's index, or null if malformed. */
function numberBeforeColon(msg: Buffer, start: number): [number, number] | null {
  let value = 0;
  let i = start;
  for (; i < msg.length && msg[i] !== COLON; i++) {
    const digit = msg[i]! - 0x30;
    if (digit < 0 || digit > 9) return null;
    value = value * 10 + digit;
  }
  return i === start || i === msg.length ? null : [value, i];
}

/** Parses one pub/sub message; null for one this engine did not write. */
export function parseEvent(msg: Buffer): ChannelEvent | null {
  const kind = msg[0];
  const head = numberBeforeColon(msg, 1);
  if (head === null) return null;
  const [n, colon] = head;
  if (kind === P) {
    const epochEnd = msg.indexOf(COLON, colon + 1);
    if (epochEnd < 0) return null;
    const epoch = msg.toString('latin1', colon + 1, epochEnd);
    return { kind: 'publication', pub: { offset: n, epoch, data: own(msg.subarray(epochEnd + 1)) } };
  }
  if (kind !== J && kind !== L) return null;
  const idEnd = colon + 1 + n;
  if (idEnd > msg.length) return null;
  return {
    kind: kind === J ? 'join' : 'leave',
    clientId: msg.toString('utf8', colon + 1, idEnd),
    info: own(msg.subarray(idEnd)),
  };
}

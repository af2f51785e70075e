/*
 * ws's Receiver loaded twice: once with bufferutil (ws's default when the addon
 * is installed) and once with WS_NO_BUFFER_UTIL (its pure-JS masking). ws reads
 * the variable when lib/buffer-util.js loads, so each variant gets a fresh copy
 * of ws's modules.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';

const require = createRequire(import.meta.url);
const wsDir = dirname(require.resolve('ws/package.json'));

/** ws's Receiver: a Writable that parses frames and emits message/ping/pong/conclude. */
export type Receiver = Writable;

type ReceiverClass = new (options: {
  binaryType?: string;
  extensions?: Record<string, unknown>;
  isServer?: boolean;
  skipUTF8Validation?: boolean;
  maxPayload?: number;
}) => Receiver;

/** ws's Sender.frame: header and (masked) payload of one frame. */
type FrameFn = (data: Buffer, options: { opcode: number; fin: boolean; rsv1: boolean; mask: boolean; readOnly: boolean }) => Buffer[];

function loadWs<T>(file: string, noBufferUtil: boolean): T {
  for (const id of Object.keys(require.cache)) if (id.startsWith(wsDir)) delete require.cache[id];
  const before = process.env.WS_NO_BUFFER_UTIL;
  if (noBufferUtil) process.env.WS_NO_BUFFER_UTIL = '1';
  else delete process.env.WS_NO_BUFFER_UTIL;
  try {
    return require(join(wsDir, 'lib', file)) as T;
  } finally {
    if (before === undefined) delete process.env.WS_NO_BUFFER_UTIL;
    else process.env.WS_NO_BUFFER_UTIL = before;
  }
}

const receiverClasses = new Map<boolean, ReceiverClass>();

/** A server-side Receiver as ws's parser benchmark configures it (each variant's modules load once). */
export function createReceiver(noBufferUtil: boolean): Receiver {
  let Receiver = receiverClasses.get(noBufferUtil);
  if (Receiver === undefined) {
    Receiver = loadWs<ReceiverClass>('receiver.js', noBufferUtil);
    receiverClasses.set(noBufferUtil, Receiver);
  }
  const receiver = new Receiver({ binaryType: 'nodebuffer', extensions: {}, isServer: true, skipUTF8Validation: false });
  receiver.on('error', (err: Error) => {
    throw new Error(`ws Receiver failed on a benchmark frame: ${err.message}`);
  });
  return receiver;
}

/** ws's own Sender.frame, so the frames are byte for byte what ws's benchmark feeds. */
export function senderFrame(): FrameFn {
  return loadWs<{ frame: FrameFn }>('sender.js', false).frame;
}

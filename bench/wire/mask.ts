/*
 * Unmask throughput: zwire's mask() and each of its paths, against the byte
 * loop ws uses without its addon, bufferutil (native SIMD) and memcpy; and
 * for payload that must be copied out anyway (a message spanning reads),
 * unmasking then copying against maskTo(), which does both in one pass.
 */
import { createRequire } from 'node:module';
import { mask, maskJs, maskSimd, maskTo } from '../../src/wire/mask.js';
import { simd } from '../../src/wire/mask-simd.js';
import { createReadBuffer } from '../../src/wire/read-buffer.js';
import { nativeUnmask } from '../../src/wire/mask-native.js';
import type { Contender } from './measure.js';

const require = createRequire(import.meta.url);

interface BufferUtil {
  unmask(buffer: Buffer, key: Buffer): void;
}

function loadBufferUtil(): BufferUtil | null {
  try {
    return require('bufferutil') as BufferUtil;
  } catch {
    return null;
  }
}

const bufferUtil = loadBufferUtil();

/** ws's `_unmask` (lib/buffer-util.js), the path it takes without bufferutil. */
function byteLoop(buffer: Uint8Array, key: Uint8Array): void {
  for (let i = 0; i < buffer.length; i++) buffer[i] ^= key[i & 3];
}

/** Why a contender is missing from the table, if one is. */
export const maskNotes: string[] = [];
if (bufferUtil === null) maskNotes.push('bufferutil is not installed: its column is empty');
if (simd === null) maskNotes.push('no WebAssembly SIMD on this runtime: mask() uses the JS word loop at every size');
maskNotes.push(
  nativeUnmask === null
    ? 'zwire mask() runs without bufferutil (not installed, or ZWIRE_NO_BUFFER_UTIL is set): its own paths only'
    : 'zwire mask() hands inputs of 1 KiB and more outside read buffers to bufferutil (set ZWIRE_NO_BUFFER_UTIL=1 to measure without)',
);

/** The contenders for one payload size; each run(n) unmasks n payloads. */
export function maskContenders(size: number): Contender[] {
  const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const data = Buffer.alloc(size, 0x5a);
  const target = Buffer.alloc(size);
  // Each run is its own function literal: a shared loop helper would share one
  // call site's type feedback between contenders and slow them all down.
  const list: Contender[] = [
    {
      name: 'ws byte loop',
      run: (n) => {
        for (let i = 0; i < n; i++) byteLoop(data, key);
      },
    },
    {
      name: 'zwire mask()',
      run: (n) => {
        for (let i = 0; i < n; i++) mask(data, key, 0);
      },
    },
    {
      name: 'zwire JS words',
      run: (n) => {
        for (let i = 0; i < n; i++) maskJs(data, key, 0);
      },
    },
  ];
  if (simd !== null) {
    // Bytes a socket read into a createReadBuffer buffer (onread): mask() XORs them where they lie.
    const readBuffer = createReadBuffer(size).fill(0x5a);
    list.push(
      {
        name: 'zwire wasm SIMD (copy in/out)',
        run: (n) => {
          for (let i = 0; i < n; i++) maskSimd(data, key, 0);
        },
      },
      {
        name: 'zwire mask() in read buffer',
        run: (n) => {
          for (let i = 0; i < n; i++) mask(readBuffer, key, 0);
        },
      },
    );
  }
  if (bufferUtil !== null) {
    const bu = bufferUtil;
    list.push({
      name: 'bufferutil (native)',
      run: (n) => {
        for (let i = 0; i < n; i++) bu.unmask(data, key);
      },
    });
  }
  list.push(
    {
      name: 'memcpy (Buffer.copy)',
      run: (n) => {
        for (let i = 0; i < n; i++) data.copy(target);
      },
    },
    {
      name: 'zwire mask(), then copy out',
      run: (n) => {
        for (let i = 0; i < n; i++) {
          mask(data, key, 0);
          data.copy(target);
        }
      },
    },
    {
      name: 'zwire maskTo() (unmask into the copy)',
      run: (n) => {
        for (let i = 0; i < n; i++) maskTo(data, key, 0, target, 0);
      },
    },
  );
  return list;
}

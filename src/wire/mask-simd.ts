/*
 * A WebAssembly SIMD128 XOR kernel for masking, assembled here byte by byte so
 * the package needs no toolchain and no native addon. The module, in text form:
 *
 *   (module
 *     (memory (export "memory") 1)
 *     (func (export "xor") (param $p i32) (param $n i32) (param $k i32)
 *       (local $v v128) (local $end i32)
 *       (local.set $v (i32x4.splat (local.get $k)))
 *       (local.set $end (i32.add (local.get $p) (local.get $n)))
 *       (block $done
 *         (loop $next
 *           (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
 *           ;; four 16-byte lanes per turn: $n must be a multiple of 64
 *           (v128.store offset=0  (local.get $p) (v128.xor (v128.load offset=0  (local.get $p)) (local.get $v)))
 *           (v128.store offset=16 (local.get $p) (v128.xor (v128.load offset=16 (local.get $p)) (local.get $v)))
 *           (v128.store offset=32 (local.get $p) (v128.xor (v128.load offset=32 (local.get $p)) (local.get $v)))
 *           (v128.store offset=48 (local.get $p) (v128.xor (v128.load offset=48 (local.get $p)) (local.get $v)))
 *           (local.set $p (i32.add (local.get $p) (i32.const 64)))
 *           (br $next))))
 *
 * Wasm memory is little-endian on every host, so the splatted i32 key must hold
 * key byte 0 in its low byte. Data that does not live in the module's memory is
 * copied in and out a window at a time; the window stays in cache between the
 * copy, the XOR and the copy back.
 */

/** Bytes XORed per kernel iteration; the kernel's length must be a multiple of it. */
export const SIMD_BLOCK = 64;

/**
 * Bytes copied into the kernel's memory per turn: small enough that the copy
 * in, the XOR and the copy back all hit L1/L2 (16 KiB measured best between 4 and 64 KiB).
 */
export const SIMD_WINDOW = 16 * 1024;

/** Unsigned LEB128, as wasm encodes sizes, counts and indices. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** A section: its id, then its byte size, then its contents. */
function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** A name as wasm writes it: length-prefixed UTF-8 (ASCII here). */
function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  voidType: 0x40,
  localGet: 0x20,
  localSet: 0x21,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  simd: 0xfd,
  v128Load: 0x00,
  v128Store: 0x0b,
  i32x4Splat: 0x11,
  v128Xor: 0x51,
} as const;

/** Locals: 0 = $p, 1 = $n, 2 = $k (params), 3 = $v, 4 = $end. */
function lane(offset: number): number[] {
  // memarg = alignment hint (log2, 0 = none promised) then the static offset.
  const memarg = [0, ...uleb(offset)];
  return [
    op.localGet, 0,
    op.localGet, 0,
    op.simd, op.v128Load, ...memarg,
    op.localGet, 3,
    op.simd, op.v128Xor,
    op.simd, op.v128Store, ...memarg,
  ];
}

/** The binary module described above. */
export function simdModuleBytes(): Uint8Array<ArrayBuffer> {
  const body = [
    // locals: one v128, one i32
    2, 1, V128, 1, I32,
    op.localGet, 2, op.simd, op.i32x4Splat, op.localSet, 3,
    op.localGet, 0, op.localGet, 1, op.i32Add, op.localSet, 4,
    op.block, op.voidType,
    op.loop, op.voidType,
    op.localGet, 0, op.localGet, 4, op.i32GeU, op.brIf, 1,
    ...lane(0), ...lane(16), ...lane(32), ...lane(48),
    // i32.const takes a signed LEB128: 64 needs two bytes (0xc0 0x00), or it would read as -64
    op.localGet, 0, op.i32Const, 0xc0, 0x00, op.i32Add, op.localSet, 0,
    op.br, 0,
    op.end,
    op.end,
    op.end,
  ];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, // "\0asm"
    0x01, 0x00, 0x00, 0x00, // version 1
    ...section(1, [1, 0x60, 3, I32, I32, I32, 0]), // types: (i32, i32, i32) -> ()
    ...section(3, [1, 0]), // functions: one, of type 0
    ...section(5, [1, 0x00, 1]), // memory: one, min 1 page (64 KiB), no max
    ...section(7, [2, ...name('memory'), 0x02, 0, ...name('xor'), 0x00, 0]), // exports
    ...section(10, [1, ...uleb(body.length), ...body]), // code
  ]);
}

/** An instance of the kernel: XOR memory[p, p + n) with the splatted key k (n a multiple of SIMD_BLOCK). */
export interface SimdKernel {
  xor(p: number, n: number, k: number): void;
  /** The first SIMD_WINDOW bytes of the instance's memory. */
  memory: Uint8Array;
}

function compile(): WebAssembly.Module | null {
  try {
    return new WebAssembly.Module(simdModuleBytes());
  } catch {
    // A runtime without SIMD128 (or without WebAssembly) keeps the JS path.
    return null;
  }
}

/** The compiled module, or null where WebAssembly SIMD is not available. */
export const simdModule: WebAssembly.Module | null = compile();

/** A new instance with its own memory of `bytes` (rounded up to whole 64 KiB pages). */
export function instantiate(module: WebAssembly.Module, bytes: number): { xor: SimdKernel['xor']; memory: WebAssembly.Memory } {
  const instance = new WebAssembly.Instance(module);
  const exports = instance.exports as { xor: SimdKernel['xor']; memory: WebAssembly.Memory };
  const pages = Math.ceil(bytes / 65536);
  if (pages > 1) exports.memory.grow(pages - 1);
  return exports;
}

function defaultKernel(): SimdKernel | null {
  if (simdModule === null) return null;
  const { xor, memory } = instantiate(simdModule, SIMD_WINDOW);
  return { xor, memory: new Uint8Array(memory.buffer, 0, SIMD_WINDOW) };
}

/** The kernel that masks bytes copied into its memory, or null where WebAssembly SIMD is not available. */
export const simd: SimdKernel | null = defaultKernel();

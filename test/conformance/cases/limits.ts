/** Autobahn sections 9 (large and many messages) and 10 (auto-fragmentation). */
import { repeatTo } from '../../helpers/frame-builder.js';
import type { ConformanceCase } from '../case-types.js';
import { binary, fragments, message, normalClose, OP, sendCase, text } from './dsl.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const LARGE = [64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 8 * MiB, 16 * MiB];
const FRAGMENT_SIZES = [64, 256, 1 * KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB];
const CHOP_SIZES = [64, 128, 256, 512, 1024, 2048];
const ROUND_TRIP_SIZES = [0, 16, 64, 256, 1024, 4096];
const ROUND_TRIPS = 1000;
const BIG_TIMEOUT_MS = 60_000;

const sizeName = (n: number) => (n >= MiB ? `${n / MiB} MiB` : n >= KiB ? `${n / KiB} KiB` : `${n} B`);

function payloadFor(isBinary: boolean, n: number): Buffer {
  return isBinary ? repeatTo([0xfe], n) : repeatTo('BAsd7&jh23', n);
}

function large(section: string, isBinary: boolean): ConformanceCase[] {
  return LARGE.map((n, i) => {
    const data = payloadFor(isBinary, n);
    const f = isBinary ? binary(data) : text(data);
    return sendCase(`${section}.${i + 1}`, `${isBinary ? 'binary' : 'text'} message of ${sizeName(n)}`, [f], [message(data, isBinary)], normalClose, {
      timeoutMs: BIG_TIMEOUT_MS,
    });
  });
}

function fragmented(section: string, isBinary: boolean): ConformanceCase[] {
  const data = repeatTo(isBinary ? [0xfe] : '*', 4 * MiB);
  return FRAGMENT_SIZES.map((size, i) =>
    sendCase(
      `${section}.${i + 1}`,
      `4 MiB ${isBinary ? 'binary' : 'text'} message in fragments of ${sizeName(size)}`,
      fragments(isBinary ? OP.binary : OP.text, data, size),
      [message(data, isBinary)],
      normalClose,
      { timeoutMs: BIG_TIMEOUT_MS },
    ),
  );
}

function chopped(section: string, isBinary: boolean): ConformanceCase[] {
  const data = payloadFor(isBinary, 1 * MiB);
  return CHOP_SIZES.map((size, i) =>
    sendCase(
      `${section}.${i + 1}`,
      `1 MiB ${isBinary ? 'binary' : 'text'} message written in TCP chops of ${size} B`,
      [isBinary ? binary(data) : text(data)],
      [message(data, isBinary)],
      normalClose,
      { chop: size, timeoutMs: BIG_TIMEOUT_MS },
    ),
  );
}

function roundTrips(section: string, isBinary: boolean): ConformanceCase[] {
  return ROUND_TRIP_SIZES.map((n, i) => {
    const data = isBinary ? repeatTo([0xfe], n) : repeatTo('*', n);
    return {
      id: `${section}.${i + 1}`,
      description: `${ROUND_TRIPS} round trips of ${isBinary ? 'binary' : 'text'} messages of ${sizeName(n)}`,
      async run(peer) {
        const frame = isBinary ? binary(data) : text(data);
        for (let k = 0; k < ROUND_TRIPS; k++) {
          await peer.send(frame);
          const e = await peer.nextEvent(5000);
          if (e.type !== 'message' || e.binary !== isBinary || !e.data.equals(data)) {
            throw new Error(`round trip ${k}: expected the ${n}-byte echo, got ${JSON.stringify({ ...e, data: undefined })}`);
          }
        }
      },
      expect: [],
      close: normalClose,
      timeoutMs: BIG_TIMEOUT_MS,
    } satisfies ConformanceCase;
  });
}

export const section9: ConformanceCase[] = [
  ...large('9.1', false),
  ...large('9.2', true),
  ...fragmented('9.3', false),
  ...fragmented('9.4', true),
  ...chopped('9.5', false),
  ...chopped('9.6', true),
  ...roundTrips('9.7', false),
  ...roundTrips('9.8', true),
];

const AUTO_FRAGMENT = 1300;

export const section10: ConformanceCase[] = [
  sendCase(
    '10.1.1',
    `64 KiB text message auto-fragmented into ${AUTO_FRAGMENT}-byte frames`,
    fragments(OP.text, repeatTo('*', 64 * KiB), AUTO_FRAGMENT),
    [message(repeatTo('*', 64 * KiB))],
    normalClose,
  ),
];

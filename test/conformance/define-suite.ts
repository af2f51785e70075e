/** Registers one vitest test per Autobahn case, grouped by section, against a peer factory. */
import { describe, it } from 'vitest';
import { randomChopper } from '../helpers/random-chops.js';
import type { RawPeer } from '../helpers/raw-peer.js';
import type { ConformanceCase } from './case-types.js';
import type { Section } from './cases/index.js';
import { runCase } from './run-case.js';

export interface SuiteOptions {
  /**
   * Case ids the implementation is known to fail, each with the reason; they run as
   * `it.fails`, so they turn red the day they start passing.
   */
  knownFailures?: Record<string, string>;
  /** Write everything in reproducible random TCP chops (seeded by the case id), unless a case chops itself. */
  randomChops?: boolean;
  /** Extra checks once the case is over and our end is closed (e.g. what the application saw). */
  afterCase?(c: ConformanceCase): Promise<void>;
}

/** `connect` opens a fresh connection to the implementation under test and returns our end of it. */
export function defineConformance(sections: Section[], connect: () => Promise<RawPeer>, opts: SuiteOptions = {}): void {
  for (const section of sections) {
    describe(section.title, () => {
      for (const c of section.cases) {
        const reason = opts.knownFailures?.[c.id];
        const timeout = (c.timeoutMs ?? 5000) + 10_000;
        const body = async () => {
          const peer = await connect();
          if (opts.randomChops) peer.chopper = randomChopper(c.id);
          await runCase(c, peer);
          await opts.afterCase?.(c);
        };
        if (reason) it.fails(`${c.id} (known failure: ${reason})`, body, timeout);
        else it(c.id, body, timeout);
      }
    });
  }
}

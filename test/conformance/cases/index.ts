/** The transcribed Autobahn TestSuite, sections 1-7, 9 and 10, grouped by section. */
import type { ConformanceCase } from '../case-types.js';
import { section7 } from './close.js';
import { section5 } from './fragmentation.js';
import { section1, section2 } from './framing.js';
import { section10, section9 } from './limits.js';
import { section3, section4 } from './reserved.js';
import { section6 } from './utf8.js';

export interface Section {
  title: string;
  cases: ConformanceCase[];
}

export const PROTOCOL_SECTIONS: Section[] = [
  { title: '1 framing', cases: section1 },
  { title: '2 pings and pongs', cases: section2 },
  { title: '3 reserved bits', cases: section3 },
  { title: '4 reserved opcodes', cases: section4 },
  { title: '5 fragmentation', cases: section5 },
  { title: '6 UTF-8 handling', cases: section6 },
  { title: '7 close handling', cases: section7 },
  { title: '10 auto-fragmentation', cases: section10 },
];

export const LIMIT_SECTIONS: Section[] = [{ title: '9 limits and performance', cases: section9 }];

/**
 * Cases where messages received before a violation must still be delivered and answered
 * (Autobahn scores a peer that drops them NON-STRICT): in the same TCP chunk (3.2, 4.x.3-5, 5.15)
 * or in later chunks (3.3 frame-wise, 3.4 octet-wise), plus fail-fast UTF-8 and pings between
 * fragments: worth running with a slow application.
 */
const STRICT_IDS = new Set(['3.2', '3.3', '3.4', '4.1.3', '4.1.4', '4.1.5', '4.2.3', '4.2.4', '4.2.5', '5.15', '5.19', '6.4.1', '6.4.2', '6.4.3', '6.4.4']);

export const STRICTNESS_SECTION: Section = {
  title: 'strictness (answers before a violation, fail-fast)',
  cases: PROTOCOL_SECTIONS.flatMap((s) => s.cases).filter((c) => STRICT_IDS.has(c.id)),
};

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

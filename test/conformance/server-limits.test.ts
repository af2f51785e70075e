/**
 * Autobahn section 9 (messages up to 16 MiB, 4 MiB in fragments down to 64 bytes, 1 MiB in TCP
 * chops, 1000 round trips) against the zwire server with its default limits.
 */
import { LIMIT_SECTIONS } from './cases/index.js';
import { serverConformance } from './endpoint-suites.js';

serverConformance('zwire server (listen + Conn echo), default limits', LIMIT_SECTIONS);

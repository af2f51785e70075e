/**
 * Autobahn sections 1-7 and 10 against the zwire server: an echo server made with `listen`,
 * driven by the hand-written raw client; then the checks beyond Autobahn (masking, lengths, limits).
 */
import { EXTRA_SERVER, LIMITED, TEST_MAX_MESSAGE } from './cases/extra.js';
import { PROTOCOL_SECTIONS } from './cases/index.js';
import { serverConformance } from './endpoint-suites.js';

serverConformance('zwire server (listen + Conn echo)', [...PROTOCOL_SECTIONS, EXTRA_SERVER]);
serverConformance(`zwire server with maxMessageSize ${TEST_MAX_MESSAGE}`, [LIMITED], { limits: { maxMessageSize: TEST_MAX_MESSAGE } });
serverConformance('zwire server, every write in random TCP chops', PROTOCOL_SECTIONS, { suite: { randomChops: true } });

/**
 * Autobahn sections 1-7 and 10 against the zwire client: a client Conn (from `connect`) that
 * echoes every message, driven by the hand-written fake server; then the checks beyond Autobahn.
 */
import { EXTRA_CLIENT, LIMITED, TEST_MAX_MESSAGE } from './cases/extra.js';
import { PROTOCOL_SECTIONS } from './cases/index.js';
import { clientConformance } from './endpoint-suites.js';

clientConformance('zwire client (connect + Conn echo)', [...PROTOCOL_SECTIONS, EXTRA_CLIENT]);
clientConformance(`zwire client with maxMessageSize ${TEST_MAX_MESSAGE}`, [LIMITED], { limits: { maxMessageSize: TEST_MAX_MESSAGE } });
clientConformance('zwire client, every write in random TCP chops', PROTOCOL_SECTIONS, { suite: { randomChops: true } });

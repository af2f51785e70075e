/**
 * The strictness cases with an application that takes 20 ms per message: what arrived before a
 * violation must still be delivered and answered even when the answer comes late, and the
 * connection must then fail with the right code (server and client).
 */
import { slowEcho } from '../helpers/zwire-peers.js';
import { CLOSE_AFTER_MESSAGE } from './cases/extra.js';
import { STRICTNESS_SECTION, type Section } from './cases/index.js';
import { clientConformance, serverConformance } from './endpoint-suites.js';

const APP_DELAY_MS = 20;
const SECTIONS: Section[] = [{ ...STRICTNESS_SECTION, cases: [...STRICTNESS_SECTION.cases, CLOSE_AFTER_MESSAGE] }];

serverConformance(`zwire server, application answering after ${APP_DELAY_MS} ms`, SECTIONS, { app: slowEcho(APP_DELAY_MS) });
clientConformance(`zwire client, application answering after ${APP_DELAY_MS} ms`, SECTIONS, { app: slowEcho(APP_DELAY_MS) });

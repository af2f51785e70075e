/**
 * Sections 1-7 and 10 again with zwire's streaming reader and writer on both sides: every chunk is
 * echoed as a fragment as it arrives, so fail-fast and strictness must hold on that path too,
 * and no invalid UTF-8 may be sent on (the raw peer checks text fragment by fragment).
 */
import { streamingEcho } from '../helpers/zwire-peers.js';
import { EXTRA_CLIENT, EXTRA_SERVER } from './cases/extra.js';
import { PROTOCOL_SECTIONS } from './cases/index.js';
import { clientConformance, serverConformance } from './endpoint-suites.js';

serverConformance('zwire server, streaming reader and writer', [...PROTOCOL_SECTIONS, EXTRA_SERVER], { app: streamingEcho });
clientConformance('zwire client, streaming reader and writer', [...PROTOCOL_SECTIONS, EXTRA_CLIENT], { app: streamingEcho });

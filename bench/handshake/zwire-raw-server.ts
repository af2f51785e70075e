// zwire's raw-socket path: createUpgradeServer runs upgrade() on every connection.
import { createUpgradeServer } from '../../src/upgrade/index.js';
import { idleUntilClosed, serve, track } from './common.js';

const server = createUpgradeServer({ onUpgrade: idleUntilClosed });
server.on('connection', track);
serve(server);

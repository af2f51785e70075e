// Fan-out load generator over raw sockets (one process, pinned to its own
// CPU): publishes pre-built masked binary frames whose first 4 bytes are the
// tag and counts deliveries with a header-only parser (counter.ts).
// Independent of src/.
import { BINARY, makePayload, maskedFrame } from '../echo/frames.js';
import { DeliveryCounter } from './counter.js';
import { Ledger } from './ledger.js';
import { serveRawLoad } from './raw-load.js';

serveRawLoad({
  publishFrame(shape, p, s) {
    const payload = makePayload(shape.size, false);
    payload.writeUInt32BE(Ledger.tag(p, s), 0);
    return maskedFrame(BINARY, payload);
  },
  counter: (shape) => new DeliveryCounter(shape.size),
});

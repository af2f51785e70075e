import { ZwireError } from '../errors.js';

/**
 * Base class of the errors the message layer raises; `code` is stable and
 * machine-readable, `closeCode` is set on those that close the connection.
 */
export class ConnError extends ZwireError {}

/**
 * The connection is closing or closed, so the operation cannot happen.
 * `send` and `ping` reject with it; `code` is 'ERR_CONN_CLOSED'.
 */
export class ConnClosedError extends ConnError {
  constructor(message = 'the connection is closed') {
    super('ERR_CONN_CLOSED', message);
  }
}

/** The peer did not answer a close frame within `closeTimeoutMs` ('ERR_CLOSE_TIMEOUT'). */
export class CloseTimeoutError extends ConnError {
  constructor(ms: number) {
    super('ERR_CLOSE_TIMEOUT', `the peer did not complete the closing handshake within ${ms} ms`);
  }
}

/** The peer stopped answering heartbeat pings ('ERR_HEARTBEAT_TIMEOUT'). */
export class HeartbeatTimeoutError extends ConnError {
  constructor(ms: number) {
    super('ERR_HEARTBEAT_TIMEOUT', `no pong from the peer within ${ms} ms`);
  }
}

/** The TCP connection ended without a closing handshake ('ERR_ABNORMAL_CLOSURE'). */
export class AbnormalClosureError extends ConnError {
  constructor(cause?: unknown) {
    super('ERR_ABNORMAL_CLOSURE', 'the connection ended without a closing handshake', { cause });
  }
}

/**
 * The peer did not take the bytes queued for it: the outbound queue stayed over
 * `maxQueuedBytes` for `drainTimeoutMs` ('ERR_DRAIN_TIMEOUT'). The connection closes with 1008.
 */
export class DrainTimeoutError extends ConnError {
  declare readonly closeCode: 1008;
  constructor(ms: number) {
    super('ERR_DRAIN_TIMEOUT', `the peer did not read what was queued for it within ${ms} ms`, { closeCode: 1008 });
  }
}

/**
 * A frame, or a message read whole, did not arrive complete within `messageTimeoutMs` of its
 * start ('ERR_MESSAGE_TIMEOUT'). The connection closes with 1008.
 */
export class MessageTimeoutError extends ConnError {
  declare readonly closeCode: 1008;
  constructor(ms: number) {
    super('ERR_MESSAGE_TIMEOUT', `a frame or message did not arrive complete within ${ms} ms`, { closeCode: 1008 });
  }
}

/**
 * Make an error that reports what the peer did (its socket ended, say) without
 * capturing a stack: it would show only zwire's socket handler, and capturing
 * it costs more than the rest of a short connection's end.
 */
export function peerEventError<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

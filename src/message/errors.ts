/** Base class of the errors the message layer raises; `code` is stable and machine-readable. */
export class ConnError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

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

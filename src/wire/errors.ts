import { ZwireError } from '../errors.js';

/** Base class of every error the wire layer raises; `code` is stable and machine-readable. */
export class WireError extends ZwireError {}

/**
 * The peer broke RFC 6455. `closeCode` is the status the connection must be
 * closed with: 1002 (protocol error) unless a subclass says otherwise.
 */
export class ProtocolError extends WireError {
  declare readonly closeCode: number;

  constructor(code: string, message: string, closeCode = 1002) {
    super(code, message, { closeCode });
  }
}

/** Payload data that is not consistent with the message type, e.g. invalid UTF-8 (close 1007). */
export class InvalidPayloadError extends ProtocolError {
  constructor(code: string, message: string) {
    super(code, message, 1007);
  }
}

/** A frame or message larger than the configured limit (close 1009). */
export class TooBigError extends ProtocolError {
  constructor(code: string, message: string) {
    super(code, message, 1009);
  }
}

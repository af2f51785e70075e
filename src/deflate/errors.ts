import { ZwireError } from '../errors.js';

/**
 * Failure of permessage-deflate data processing; `closeCode` is the WebSocket close code to send
 * (1007 invalid data, 1009 too big; 1011 for ERR_DEFLATE_CLOSED: used after close(), a local error).
 */
export class DeflateError extends ZwireError {
  declare readonly code: 'ERR_DEFLATE_DATA' | 'ERR_MESSAGE_TOO_BIG' | 'ERR_DEFLATE_CLOSED';
  declare readonly closeCode: number;

  constructor(code: DeflateError['code'], closeCode: number, message: string, options?: { cause?: unknown }) {
    super(code, message, { cause: options?.cause, closeCode });
  }
}

/** Invalid permessage-deflate negotiation: a malformed response, or one the client's offer did not allow. */
export class NegotiationError extends ZwireError {
  declare readonly code: 'ERR_DEFLATE_NEGOTIATION';
  /** Close code for a connection failed because of it (1010 is for a missing extension, so 1002). */
  declare readonly closeCode: 1002;

  constructor(message: string) {
    super('ERR_DEFLATE_NEGOTIATION', message, { closeCode: 1002 });
  }
}

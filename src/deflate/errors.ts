/**
 * Failure of permessage-deflate data processing; `closeCode` is the WebSocket close code to send
 * (1007 invalid data, 1009 too big; 1011 for ERR_DEFLATE_CLOSED: used after close(), a local error).
 */
export class DeflateError extends Error {
  override name = 'DeflateError';
  readonly code: 'ERR_DEFLATE_DATA' | 'ERR_MESSAGE_TOO_BIG' | 'ERR_DEFLATE_CLOSED';
  readonly closeCode: number;

  constructor(code: DeflateError['code'], closeCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.closeCode = closeCode;
  }
}

/** Invalid permessage-deflate negotiation: a malformed response, or one the client's offer did not allow. */
export class NegotiationError extends Error {
  override name = 'NegotiationError';
  readonly code = 'ERR_DEFLATE_NEGOTIATION';
  /** Close code for a connection failed because of it (1010 is for a missing extension, so 1002). */
  readonly closeCode = 1002;
}

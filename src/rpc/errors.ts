/** The fixed set of RPC error codes. They travel on the wire as these strings. */
export const RpcErrorCode = {
  BAD_REQUEST: 'BAD_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  TIMEOUT: 'TIMEOUT',
  CANCELLED: 'CANCELLED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  INVALID_OUTPUT: 'INVALID_OUTPUT',
  INTERNAL: 'INTERNAL',
  UNAVAILABLE: 'UNAVAILABLE',
} as const;

export type RpcErrorCode = (typeof RpcErrorCode)[keyof typeof RpcErrorCode];

const CODES = new Set<string>(Object.values(RpcErrorCode));

/** Whether a string is one of the fixed error codes. */
export function isRpcErrorCode(code: unknown): code is RpcErrorCode {
  return typeof code === 'string' && CODES.has(code);
}

/**
 * The one error type of the RPC layer, on both sides. `data` carries details
 * (for validation failures: `{ issues }` with the zod issues).
 */
export class RpcError extends Error {
  readonly code: RpcErrorCode;
  readonly data: unknown;

  constructor(code: RpcErrorCode, message?: string, data?: unknown, options?: { cause?: unknown }) {
    super(message ?? code, options);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }
}

/** Options deciding how much of an unexpected handler error reaches the client. */
export interface ErrorExposure {
  /** Send the message and stack of unexpected errors to the client (development only). */
  exposeErrors?: boolean;
}

/**
 * Turns anything a handler threw into an RpcError. Unexpected errors become
 * INTERNAL with a generic message unless `exposeErrors` is set.
 */
export function toRpcError(err: unknown, exposure?: ErrorExposure): RpcError {
  if (err instanceof RpcError) return err;
  if (exposure?.exposeErrors && err instanceof Error) {
    return new RpcError('INTERNAL', err.message, { stack: err.stack }, { cause: err });
  }
  return new RpcError('INTERNAL', 'internal error', undefined, { cause: err });
}

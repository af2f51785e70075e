import type { z } from 'zod';
import { ZwireError } from '../errors.js';

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


/**
 * An error code: one of the fixed set, or an application's own code
 * (upper case letters, digits and `_`, starting with a letter, e.g. 'APP_QUOTA').
 */
export type ErrorCode = RpcErrorCode | (string & {});

const CODE_SHAPE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** Whether a string is one of the fixed error codes. */
export function isRpcErrorCode(code: unknown): code is RpcErrorCode {
  // each code is its own key: no table to build, so a bundle that never asks drops RpcErrorCode
  return typeof code === 'string' && Object.hasOwn(RpcErrorCode, code);
}

/** Whether a string can be an error code (the fixed set or an application code). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && CODE_SHAPE.test(code);
}

// One brand for every copy of this class (the ESM and the CJS build, two bundles):
// `instanceof RpcError` answers by it, so an error from one copy is an RpcError to the other.
const BRAND = Symbol.for('zwire.RpcError');

/**
 * The one error type of the RPC layer, on both sides. `code` is one of the
 * fixed set or an application code (`new RpcError('APP_QUOTA', ...)` is an
 * `RpcError<'APP_QUOTA'>`, and `isRpcError(err, 'APP_QUOTA')` narrows to it).
 * `data` carries details (for validation failures: `{ issues }` with the zod
 * issues, see isValidationError).
 */
export class RpcError<C extends ErrorCode = ErrorCode> extends ZwireError {
  declare readonly code: C;
  readonly data: unknown;

  constructor(code: C, message?: string, data?: unknown, options?: { cause?: unknown }) {
    if (!isErrorCode(code)) throw new TypeError(`RpcError code ${JSON.stringify(code)}: use upper case letters, digits and _ (e.g. APP_QUOTA)`);
    super(code, message ?? code, options);
    // a minified bundle renames classes, so the name is not taken from the class
    this.name = 'RpcError';
    this.data = data;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== RpcError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }
}
Object.defineProperty(RpcError.prototype, BRAND, { value: true });

/** Whether `err` is an RpcError, with this code when one is given. */
export function isRpcError<C extends ErrorCode = ErrorCode>(err: unknown, code?: C): err is RpcError<C> {
  return err instanceof RpcError && (code === undefined || err.code === code);
}

/** A schema's complaint about a value (zod's issue, as it travels on the wire). */
export type ValidationIssue = z.core.$ZodIssue;

/** A failed validation: the input at the server (BAD_REQUEST) or a result (INVALID_OUTPUT), with zod's issues. */
export type ValidationError = RpcError<'BAD_REQUEST' | 'INVALID_OUTPUT'> & { readonly data: { issues: ValidationIssue[] } };

/** Whether `err` is a failed validation, whose `data.issues` are zod's issues. */
export function isValidationError(err: unknown): err is ValidationError {
  if (!(err instanceof RpcError) || (err.code !== 'BAD_REQUEST' && err.code !== 'INVALID_OUTPUT')) return false;
  const data = err.data as { issues?: unknown } | null | undefined;
  return typeof data === 'object' && data !== null && Array.isArray(data.issues);
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

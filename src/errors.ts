/**
 * The one base class of zwire's errors below the RPC layer (wire, upgrade,
 * deflate, message). It sits outside every layer so that each may extend it
 * without importing another.
 */
export class ZwireError extends Error {
  /** Stable and machine-readable, e.g. 'ERR_CONN_CLOSED'. */
  readonly code: string;
  /**
   * The WebSocket close status a connection failed by this error closes with
   * (1002, 1007, 1008, 1009, ...); absent for errors that do not end a connection.
   */
  declare readonly closeCode?: number;

  constructor(code: string, message: string, options?: { cause?: unknown; closeCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    // Only errors that close a connection carry the property.
    if (options?.closeCode !== undefined) (this as { closeCode?: number }).closeCode = options.closeCode;
  }
}

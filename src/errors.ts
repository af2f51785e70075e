/**
 * The one base class of zwire's errors, in every layer (wire, upgrade,
 * deflate, message, rpc, engine, redis, client, cli). It sits outside every
 * layer so that each may extend it without importing another.
 */
export class ZwireError extends Error {
  /** Stable and machine-readable, e.g. 'ERR_CONN_CLOSED' or an RPC code such as 'TIMEOUT'. */
  declare readonly code: string;
  /**
   * The WebSocket close status a connection failed by this error closes with
   * (1002, 1007, 1008, 1009, ...); absent for errors that do not end a connection.
   */
  declare readonly closeCode?: number;

  constructor(code: string, message: string, options?: { cause?: unknown; closeCode?: number }) {
    // Error reads only `cause` from its options; an undefined cause is left out rather than set
    super(message, options?.cause === undefined ? undefined : options);
    this.name = new.target.name;
    (this as { code: string }).code = code;
    // Only errors that close a connection carry the property.
    if (options?.closeCode !== undefined) (this as { closeCode?: number }).closeCode = options.closeCode;
  }
}

/** How a connection ended; `closed` resolves with it (it never rejects). */
export interface CloseInfo {
  /** The peer's close code on a clean close; the code we failed with; 1006 when there was no closing handshake. */
  code: number;
  reason: string;
  /** Both close frames were exchanged and nothing went wrong. */
  wasClean: boolean;
  /** What went wrong, if anything: a ProtocolError from the peer, a timeout, a socket error. */
  error?: Error;
}

/** Events of a Conn. 'error' is only emitted when someone listens, so it never throws. */
export interface ConnEvents {
  close: [info: CloseInfo];
  error: [error: Error];
  ping: [payload: Buffer];
  pong: [payload: Buffer];
}

/** Options of `send`. */
export interface SendOptions {
  /** Send as a binary message. Default: true for bytes, false for strings (bytes with `binary: false` must be UTF-8). */
  binary?: boolean;
  /** Compress with permessage-deflate when negotiated. Default true (subject to the deflate threshold). */
  compress?: boolean;
}

/** Options of the streaming reader `messages({ stream: true })`. */
export interface StreamReadOptions {
  stream: true;
  /** Largest message accepted in streaming mode (close 1009 above). Default unlimited: nothing is buffered whole. */
  maxMessageSize?: number;
}

/** What the HTTP/2 benchmark's load generator answers over IPC. */
export type Http2LoadProtocol = {
  /** Open, handshake and close WebSockets in `concurrency` loops for a window; over HTTP/2 all on one session kept open. */
  handshakes: {
    arg: { port: number; http2: boolean; concurrency: number; durationMs: number };
    result: { handshakes: number; windowMs: number; failures: number };
  };
  /** `connections` WebSockets (one HTTP/2 session, or one TCP connection each) echoing `size`-byte messages, one in flight each. */
  echo: {
    arg: { port: number; http2: boolean; connections: number; size: number; durationMs: number };
    result: { messages: number; windowMs: number; tcpConnections: number };
  };
};

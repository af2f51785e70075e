/** What the handshake load generator answers over IPC. */
export type LoadProtocol = {
  run: {
    arg: { port: number; concurrency: number; durationMs: number };
    /** handshakes completed in the window, failures, and the generator's own CPU time / wall time. */
    result: { handshakes: number; failures: number; windowMs: number; busy: number; firstError: string | null };
  };
};

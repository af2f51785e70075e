/** Requests the soak load generator (bench/soak/load.ts) answers. */
export type SoakProtocol = {
  /** Open `count` more connections, each checking one 32 B echo; resolves with how many are open. */
  open: { arg: { host: string; port: number; count: number }; result: { open: number; ms: number } };
  /** Close the `count` oldest connections (close frame, then TCP FIN) and wait until the server has closed them. */
  close: { arg: { count: number }; result: { open: number; ms: number } };
};

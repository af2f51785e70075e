import * as net from 'node:net';

/** A TCP proxy on 127.0.0.1 whose connections the test can cut at any moment (an abrupt disconnect, no close frame). */
export interface CutProxy {
  readonly port: number;
  /** Destroys every connection through the proxy; both ends see the TCP connection reset. */
  cut(): void;
  /** While blocked, new connections are reset at once (a client cannot come back). */
  block(blocked: boolean): void;
  close(): Promise<void>;
}

export async function cutProxy(targetPort: number): Promise<CutProxy> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let blocked = false;
  const server = net.createServer((a) => {
    if (blocked) {
      a.resetAndDestroy();
      return;
    }
    const b = net.connect(targetPort, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [a, b];
    pairs.add(pair);
    const drop = (): void => {
      pairs.delete(pair);
      a.destroy();
      b.destroy();
    };
    a.on('error', drop).on('close', drop);
    b.on('error', drop).on('close', drop);
    a.pipe(b);
    b.pipe(a);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const cut = (): void => {
    for (const [a, b] of [...pairs]) {
      a.resetAndDestroy();
      b.resetAndDestroy();
    }
    pairs.clear();
  };
  return {
    port,
    cut,
    block(b) {
      blocked = b;
    },
    close() {
      cut();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

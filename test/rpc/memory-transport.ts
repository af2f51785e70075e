import type { WireData } from '../../src/rpc/codec.js';
import type { RpcRouter } from '../../src/rpc/server.js';
import type { ServiceDef } from '../../src/rpc/service.js';
import type { ClientTransport, TransportFactory } from '../../src/client/transport.js';

/** An in-memory link between RpcClient and RpcRouter: async delivery in order, controllable outages. */
export class MemoryLink<C> {
  /** When false, connection attempts fail. */
  up = true;
  /** Connections opened so far. */
  opened = 0;
  /** When true, messages from the server are dropped (a dead, silent peer). */
  blackhole = false;
  private current: { kill(): void } | null = null;

  constructor(
    private readonly router: { selectProtocol(p: readonly string[]): string | null; attach: RpcRouter<ServiceDef, C>["attach"] },
    private readonly conn: C,
  ) {}

  /** Ends the current connection as if the network dropped it. */
  kill(): void {
    this.current?.kill();
    this.current = null;
  }

  readonly factory: TransportFactory = async (protocols, events) => {
    await new Promise((r) => setImmediate(r));
    if (!this.up) throw new Error('connection refused');
    const protocol = this.router.selectProtocol(protocols);
    if (protocol === null) throw new Error('no protocol');
    let open = true;
    const toClient = (data: WireData): void => {
      if (!open || this.blackhole) return;
      setImmediate(() => {
        if (open) events.message(data);
      });
    };
    const session = this.router.attach({ send: toClient, close: () => kill() }, protocol, this.conn);
    const kill = (): void => {
      if (!open) return;
      open = false;
      session.close();
      setImmediate(() => events.close(1006, ''));
    };
    this.current = { kill };
    this.opened++;
    const t: ClientTransport = {
      protocol,
      send: (data) => {
        if (!open) throw new Error('closed');
        setImmediate(() => {
          if (open) session.receive(data);
        });
      },
      close: () => kill(),
    };
    return t;
  };
}

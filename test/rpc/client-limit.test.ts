/**
 * The RPC client's maxMessageSize reaches its own connection: a server
 * message beyond the connection limit under it (connectionLimit: 4x + 1 KiB)
 * closes the client's connection with 1009 and fails the call with a
 * catchable RpcError, instead of being read up to the message layer's 64 MiB.
 */
import diagnostics from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClient } from '../../src/client/index.js';
import { zwireTransport } from '../../src/client/transport-zwire.js';
import type { ConnCloseMessage } from '../../src/server/rpc-diagnostics.js';
import { createServer } from '../../src/server/rpc-server.js';
import { connectionLimit } from '../../src/rpc/limits.js';
import { defineService } from '../../src/rpc/service.js';
import { rejection, until } from './fixture.js';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const service = defineService({
  big: { input: z.object({ size: z.number() }), output: z.object({ s: z.string() }) },
});

/** A server whose own limit lets it send 1 MiB results; the close codes its connections end with. */
async function serve() {
  const server = createServer(service, { big: ({ size }) => ({ s: 'x'.repeat(size) }) }, { heartbeatMs: 0 });
  const { port } = await server.listen({ port: 0 });
  cleanup.push(() => server.close());
  const closes: number[] = [];
  const onClose = (m: unknown): void => void closes.push((m as ConnCloseMessage).code);
  diagnostics.subscribe('zwire:conn:close', onClose);
  cleanup.push(() => {
    diagnostics.unsubscribe('zwire:conn:close', onClose);
  });
  return { url: `ws://127.0.0.1:${port}`, closes };
}

describe("the RPC client's message limit on its connection", () => {
  const max = 1024;

  it('a result beyond the connection limit closes the client with 1009 and fails the call', async () => {
    const { url, closes } = await serve();
    const client = createClient(service, url, { maxMessageSize: max, reconnect: false });
    cleanup.push(() => client.close());
    // within the connection limit: read, although over the RPC limit (the server measures what it sends)
    expect((await client.big({ size: max * 2 })).s.length).toBe(max * 2);
    const err = await rejection(client.big({ size: connectionLimit(max) + 1 }));
    expect(err.code).toBe('UNAVAILABLE');
    await until(() => closes.length > 0);
    expect(closes).toEqual([1009]);
  });

  it('an explicit zwireTransport takes the limit too', async () => {
    const { url, closes } = await serve();
    const client = createClient(service, url, { reconnect: false, transport: zwireTransport(url, { maxMessageSize: max }) });
    cleanup.push(() => client.close());
    const err = await rejection(client.big({ size: connectionLimit(max) + 1 }));
    expect(err.code).toBe('UNAVAILABLE');
    await until(() => closes.length > 0);
    expect(closes).toEqual([1009]);
  });
});

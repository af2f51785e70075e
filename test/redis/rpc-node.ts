/**
 * One zwire RPC node as a child process: createServer with a redisEngine on
 * the Redis at <socketPath>, listening on 127.0.0.1 on a free port, which it
 * sends to its parent; the parent has it publish with server.publish over
 * IPC. Run with `node --import tsx rpc-node.ts <socketPath> <presenceTtlMs>`.
 */
import { createServer, type Handlers } from '../../src/server/rpc-entry.js';
import { redisEngine } from '../../src/redis/index.js';
import { clusterService, type ClusterService } from './rpc-service.js';

/** What a publish came to: its position, or the error code it was rejected with. */
export type Outcome = { text: string; epoch: string; offset: number } | { text: string; error: string };

/** A request from the parent: publish these texts on feed/key with server.publish, one after the other, `intervalMs` apart. */
export interface PublishRequest {
  id: number;
  key: string;
  texts: string[];
  intervalMs: number;
}

const [socketPath, ttl] = process.argv.slice(2);
const engine = redisEngine({ socketPath, presenceTtlMs: Number(ttl), maxReconnectDelayMs: 200, commandTimeoutMs: 2000 });
const handlers: Handlers<ClusterService, { user: string }> = {
  announce: ({ key, text }, ctx) => ctx.publish('feed', { key }, { text }),
  feed: {},
  lobby: { subscribe: (_key, ctx) => ({ presence: { user: ctx.conn.user } }) },
};
const server = createServer(clusterService, handlers, {
  engine,
  heartbeatMs: 0,
  context: (info) => ({ user: info.params.user ?? 'anon' }),
});

function outcome(key: string, text: string): Promise<Outcome> {
  return server.publish('feed', { key }, { text }).then(
    (at) => ({ text, ...at }),
    (err: { code?: string }) => ({ text, error: err.code ?? String(err) }),
  );
}

process.on('message', (req: PublishRequest) => {
  void (async () => {
    const out: Outcome[] = [];
    for (const text of req.texts) {
      out.push(await outcome(req.key, text));
      if (req.intervalMs > 0) await new Promise((r) => setTimeout(r, req.intervalMs));
    }
    process.send?.({ id: req.id, out });
  })();
});
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
const { port } = await server.listen({ port: 0 });
process.send?.({ port });

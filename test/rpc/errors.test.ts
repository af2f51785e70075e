/**
 * Errors a caller can act on: application error codes beside the fixed set,
 * typed; validation errors with zod's issues; `instanceof RpcError` by brand;
 * HandshakeError from zwire/client for a refused handshake. Over real sockets.
 */
import * as http from 'node:http';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createClient, HandshakeError, isRpcError, isValidationError, RpcError, type ValidationIssue } from '../../src/client/index.js';
import { createServer } from '../../src/server/rpc-server.js';
import { defineService } from '../../src/rpc/service.js';

/** The application's own codes, next to the fixed set. */
type AppCode = 'APP_QUOTA' | 'APP_CONFLICT';

const store = defineService({
  put: { input: z.object({ key: z.string().min(1), size: z.number().int() }), output: z.object({ stored: z.number() }) },
});

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function serve(options: Parameters<typeof createServer<(typeof store)['methods'], undefined>>[2] = {}): Promise<string> {
  const server = createServer(
    store,
    {
      put: ({ key, size }) => {
        if (size > 3) throw new RpcError<AppCode>('APP_QUOTA', `no room for ${key}`, { limit: 3 });
        return { stored: size };
      },
    },
    options,
  );
  const { port } = await server.listen({ port: 0 });
  cleanup.push(() => server.close());
  return `ws://127.0.0.1:${port}`;
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** A client of `url` whose connection is refused: the error of its call and those of its 'error' event. */
async function refusedPut(url: string): Promise<{ client: { readonly state: string }; errors: Error[]; err: unknown }> {
  const client = createClient(store, url, { heartbeatMs: 0 });
  cleanup.push(() => client.close());
  const errors: Error[] = [];
  client.on('error', (e) => errors.push(e));
  const err = await failure(client.put({ key: 'a', size: 1 }));
  return { client, errors, err };
}

describe('errors a caller can act on', () => {
  it('carries application error codes end to end, typed by isRpcError', async () => {
    const client = createClient(store, await serve(), { heartbeatMs: 0 });
    cleanup.push(() => client.close());
    const err = await failure(client.put({ key: 'a', size: 9 }));
    expect(isRpcError(err, 'APP_QUOTA')).toBe(true);
    expect(isRpcError(err, 'APP_CONFLICT')).toBe(false);
    if (!isRpcError<AppCode>(err, 'APP_QUOTA')) throw new Error('unreachable');
    expectTypeOf(err.code).toEqualTypeOf<AppCode>();
    expect(err).toMatchObject({ code: 'APP_QUOTA', message: 'no room for a', data: { limit: 3 } });
    expectTypeOf(new RpcError('APP_QUOTA')).toEqualTypeOf<RpcError<'APP_QUOTA'>>();
    expectTypeOf(new RpcError('APP_QUOTA')).toMatchTypeOf<RpcError>();
  });

  it('refuses a code that is not upper case letters, digits and _', () => {
    expect(() => new RpcError('quota exceeded')).toThrow(TypeError);
    expect(() => new RpcError('')).toThrow(TypeError);
    expect(new RpcError('APP_2').code).toBe('APP_2');
  });

  it('tells validation errors apart, with zod issues typed', async () => {
    const client = createClient(store, await serve(), { heartbeatMs: 0 });
    cleanup.push(() => client.close());
    const err = await failure(client.put({ key: '', size: 1.5 }));
    expect(isValidationError(err)).toBe(true);
    if (!isValidationError(err)) throw new Error('unreachable');
    expectTypeOf(err.data.issues).toEqualTypeOf<ValidationIssue[]>();
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.data.issues.map((i) => i.path.join('.')).sort()).toEqual(['key', 'size']);
    expect(isValidationError(new RpcError('NOT_FOUND'))).toBe(false);
    expect(isValidationError(new RpcError('BAD_REQUEST', 'no issues'))).toBe(false);
  });

  it('answers instanceof by brand, and subclasses keep their own instanceof', () => {
    class QuotaError extends RpcError<'APP_QUOTA'> {
      constructor() {
        super('APP_QUOTA', 'quota');
      }
    }
    const branded = Object.assign(Object.create(Object.getPrototypeOf(new Error('x')) as object), { [Symbol.for('zwire.RpcError')]: true });
    expect(branded instanceof RpcError).toBe(true);
    expect(new QuotaError() instanceof RpcError).toBe(true);
    expect(new QuotaError() instanceof QuotaError).toBe(true);
    expect(new RpcError('APP_QUOTA') instanceof QuotaError).toBe(false);
    expect(new Error('x') instanceof RpcError).toBe(false);
    expect((null as unknown) instanceof RpcError).toBe(false);
  });

  it('reports a handshake refused with an HTTP status (by a proxy) as UNAUTHORIZED whose cause is the HandshakeError (zwire/client), and fails calls with it', async () => {
    const proxy = http.createServer();
    proxy.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => proxy.close(r)));
    const url = `ws://127.0.0.1:${(proxy.address() as { port: number }).port}/`;
    const { client, errors, err } = await refusedPut(url);
    expect(isRpcError(err, 'UNAUTHORIZED')).toBe(true);
    expect(isRpcError(errors[0], 'UNAUTHORIZED')).toBe(true);
    const cause = (errors[0] as RpcError).cause;
    expect(cause).toBeInstanceOf(HandshakeError);
    expect((cause as HandshakeError).status).toBe(401);
    expect(client.state).toBe('closed');
  });

  it('reports a connection the context hook refused as that RpcError, on the error event and on every call', async () => {
    const url = await serve({
      context: () => {
        throw new RpcError('UNAUTHORIZED', 'who are you');
      },
    });
    const { client, errors, err } = await refusedPut(url);
    expect(isRpcError(err, 'UNAUTHORIZED')).toBe(true);
    expect((err as RpcError).message).toBe('who are you');
    expect(isRpcError(errors[0], 'UNAUTHORIZED')).toBe(true);
    expect(client.state).toBe('closed');
  });

});

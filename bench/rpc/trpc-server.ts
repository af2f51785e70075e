// tRPC v11 over its ws adapter, validating input and output with the same zod schemas.
import { initTRPC } from '@trpc/server';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import { countInput, countItem, greetInput, greetOutput } from './service.js';

const t = initTRPC.create();
export const appRouter = t.router({
  greet: t.procedure
    .input(greetInput)
    .output(greetOutput)
    .query(({ input }) => ({ message: `hello ${input.name}` })),
  count: t.procedure.input(countInput).subscription(async function* ({ input }) {
    for (let n = 1; n <= input.to; n++) yield countItem.parse({ n });
  }),
});
export type AppRouter = typeof appRouter;

const wss = new WebSocketServer({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' });
applyWSSHandler({ wss, router: appRouter });
wss.on('listening', () => {
  const address = wss.address();
  console.log(`listening ${typeof address === 'object' && address !== null ? address.port : 0}`);
});
process.once('SIGTERM', () => wss.close(() => process.exit(0)));

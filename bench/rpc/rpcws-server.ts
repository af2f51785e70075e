// rpc-websockets server: JSON-RPC 2.0 over ws, no validation.
import { Server } from 'rpc-websockets';

const server = new Server({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' });
server.register('greet', (params) => ({ message: `hello ${(params as { name: string }).name}` }));
server.on('listening', () => {
  const address = server.wss.address();
  console.log(`listening ${typeof address === 'object' && address !== null ? address.port : 0}`);
});
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));

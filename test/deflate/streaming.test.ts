/**
 * A compressed message much larger than anything held at once streams through zwire's streaming reader:
 * the server sees it in many inflated chunks, each far smaller than the message.
 */
import { describe, expect, it } from 'vitest';
import { connect } from '../../src/client/index.js';
import { listen } from '../../src/index.js';
import { jsonText } from './helpers.js';

describe('compressed messages through the streaming reader', () => {
  it('a 24 MiB compressed message arrives in pieces, never whole', async () => {
    const chunks: number[] = [];
    let total = 0;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const server = await listen({ port: 0, deflate: { maxMessageSize: Infinity } }, async (conn) => {
      for await (const message of conn.messages({ stream: true })) {
        for await (const chunk of message) {
          chunks.push(chunk.length);
          total += chunk.length;
        }
        done();
      }
    });
    try {
      const conn = await connect(`ws://127.0.0.1:${server.port}/`, { deflate: true });
      const block = jsonText(64 * 1024, 7);
      const data = Buffer.concat(Array<Buffer>(384).fill(block));
      const w = conn.writer({ binary: true, fragmentSize: 1024 * 1024 });
      await new Promise<void>((resolve, reject) => w.end(data, (err?: Error | null) => (err ? reject(err) : resolve())));
      await finished;
      expect(total).toBe(data.length);
      expect(chunks.length).toBeGreaterThan(8);
      expect(Math.max(...chunks)).toBeLessThan(data.length / 4);
      await conn.close();
    } finally {
      await server.close();
    }
  });
});

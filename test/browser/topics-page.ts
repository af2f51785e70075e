/**
 * Runs in Chromium (bundled by esbuild): the browser client over the page's own
 * WebSocket subscribes to a topic, reads its presence and messages, and
 * publishes through the service. The result lands in `window.result`.
 */
import { createClient } from '../../src/client/rpc-browser.js';
import '../../src/client/msgpack.js';
import '../../src/client/topics.js';
import { chat } from '../rpc/topics-service.js';

declare global {
  interface Window {
    result?: unknown;
  }
}

async function run(): Promise<unknown> {
  const url = new URL('/', location.href.replace(/^http/, 'ws'));
  url.searchParams.set('user', 'browser');
  const codec = new URLSearchParams(location.search).get('codec') === 'msgpack' ? 'msgpack' : 'json';
  const client = createClient(chat, url, { codec });
  const sub = client.room.subscribe({ room: 'web' });
  const joined: string[] = [];
  sub.on('join', (p) => joined.push(p.user));
  await sub.ready();
  const presence = (await sub.presence()).map((p) => p.user);
  const texts: string[] = [];
  for (let i = 0; i < 3; i++) await client.say({ room: 'web', text: `hi ${i}` });
  for await (const m of sub) {
    texts.push(`${m.from}: ${m.text}`);
    if (texts.length === 3) break;
  }
  const refused = await client.user
    .subscribe({ id: 'someone-else' })
    .ready()
    .then(
      () => 'accepted',
      (err: { code?: string }) => err.code,
    );
  await client.close();
  return { codec, joined, presence, texts, refused, position: sub.position?.offset };
}

run().then(
  (r) => (window.result = r),
  (err: unknown) => (window.result = { error: String(err) }),
);

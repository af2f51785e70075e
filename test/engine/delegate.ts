import type { Engine } from '../../src/engine/engine.js';

/** An engine that hands every call to `inner`, but for the methods given in `over`: for tests that change one behaviour of a real engine. */
export function delegate(inner: Engine, over: Partial<Engine>): Engine {
  return {
    start: (h) => inner.start(h),
    close: () => inner.close(),
    publish: (c, d, o) => inner.publish(c, d, o),
    subscribe: (c) => inner.subscribe(c),
    unsubscribe: (c) => inner.unsubscribe(c),
    addPresence: (c, id, info) => inner.addPresence(c, id, info),
    removePresence: (c, id) => inner.removePresence(c, id),
    presence: (c) => inner.presence(c),
    history: (c, q) => inner.history(c, q),
    ...over,
  };
}

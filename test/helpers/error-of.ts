/** What `fn` throws, for assertions on the error itself; fails the test if it does not throw. */
export function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

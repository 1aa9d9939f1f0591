/**
 * A fixture for a whole spec file: started before all, closed after all. The returned object
 * stands for it (a proxy onto the value started in beforeAll), so a file can write
 * `const h = useFixture(...)` at the top and read `h.x` inside hooks and tests, never at the top level.
 */
export function useFixture<T extends object>(what: string, start: () => Promise<T>, close: (value: T) => Promise<void>): T {
  let value: T | undefined;
  beforeAll(async () => {
    value = await start();
  });
  afterAll(async () => {
    if (value) await close(value);
  });
  return new Proxy({} as T, {
    get(_, key) {
      if (!value) throw new Error(`${what} is not started yet: use it inside a hook or a test`);
      const field = Reflect.get(value, key);
      return typeof field === 'function' ? field.bind(value) : field;
    },
  });
}

/**
 * Polls `check` every 20 ms until it returns a truthy value, and resolves with that value (tests
 * only; the product waits on events). Rejects with `timed out waiting for <what>` after `timeoutMs`
 * milliseconds: keep it generous, as the tests run on a busy 2-core machine.
 */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

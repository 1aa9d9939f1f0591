/**
 * Polls `check` every 20 ms until it holds (tests only; the product waits on events). Rejects with
 * `timed out waiting for <what>` after `timeoutMs` milliseconds: keep it generous, as the tests run
 * on a busy 2-core machine.
 */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

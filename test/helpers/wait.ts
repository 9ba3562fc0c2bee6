/**
 * Polls `check` until it returns something truthy or `timeoutMs` passes, and
 * returns its last answer for the test to assert on. The limit is a hang
 * detector, not a speed limit: generous, so that a loaded machine only makes
 * the wait longer, never the outcome different.
 */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 60_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let answer = await check();
  while (!answer && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    answer = await check();
  }
  return answer;
}

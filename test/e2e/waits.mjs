// How e2e scenarios wait: for a condition (a locator's state, a tree row, a file, a notification,
// a kubectl answer), with a timeout and a message that says what was awaited; never for a fixed
// time. scripts/check-e2e-waits.mjs fails on a bare waitForTimeout() or hand-made sleep in
// test/e2e. A pause that is genuinely needed (to let a debounce elapse before checking that
// something did NOT happen) is settle('what elapses, and why', ms).

/** How often until() asks again. Not a wait for anything: the gap between two looks. */
const POLL_MS = 250;

const elapse = (ms) => new Promise((r) => setTimeout(r, ms)); // e2e-waits: until()'s gap between looks, and settle()

/**
 * Asks `probe` until it returns something truthy, and returns that. After `timeoutMs` it throws
 * "timed out after N ms waiting for <what>", with `state()`'s description of what it saw last.
 */
export async function until(what, timeoutMs, probe, { state } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got) return got;
    if (Date.now() > end) {
      const seen = state ? await Promise.resolve(state()).catch((e) => `(could not describe it: ${e.message})`) : undefined;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen ? `; saw: ${seen}` : ''}`);
    }
    await elapse(POLL_MS);
  }
}

/** Waits for a Playwright locator to reach `state` (visible, hidden, attached, detached); the error says what it stands for. */
export async function reach(locator, state, what, timeoutMs) {
  try {
    await locator.waitFor({ state, timeout: timeoutMs });
  } catch (e) {
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${state}): ${String(e.message).split('\n')[0]}`);
  }
  return locator;
}

/**
 * Waits until `fn` (run in the page or frame, given `arg`) returns something truthy, and returns
 * that. The error says what was awaited.
 */
export async function inPage(pageOrFrame, what, timeoutMs, fn, arg) {
  try {
    return await (await pageOrFrame.waitForFunction(fn, arg, { timeout: timeoutMs, polling: 100 })).jsonValue();
  } catch (e) {
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${String(e.message).split('\n')[0]}`);
  }
}

/**
 * A named pause, for the few waits that are not for a condition: a debounce or quiet period that
 * must elapse before checking that something did NOT happen. `reason` says what elapses and why.
 */
export async function settle(reason, ms) {
  if (typeof reason !== 'string' || !reason.trim()) throw new Error('settle() needs the reason for the pause');
  await elapse(ms);
}

/**
 * Bounded waiting for tests. Every loop that waits for a condition yields to
 * the event loop (a timer or `setImmediate`, never only a microtask: a loop
 * of resolved awaits starves every timer, Jest's timeout included) and stops
 * after a bound in time and in count, failing the test. A regression then
 * fails CI instead of stalling it.
 */

/** Lets timers and I/O run: a macrotask turn, not a microtask. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface WaitBounds {
  /** Most ms to wait before failing. */
  ms: number;
  /** Ms between checks. @default 10 */
  every?: number;
  /** Named in the error: what was awaited. */
  what: string;
}

/**
 * Polls `check` until it holds (an event, not a lifetime: never a sleep for a
 * TTL). Throws after `ms`, or after `ms / every + 10` checks, whichever comes first.
 *
 * @example
 * await waitUntil(() => released.length === 1, { ms: 2000, what: 'the late win to be released' });
 */
export async function waitUntil(check: () => boolean | Promise<boolean>, { ms, every = 10, what }: WaitBounds): Promise<void> {
  const deadline = Date.now() + ms;
  const maxChecks = Math.ceil(ms / every) + 10;
  for (let checks = 1; !(await check()); checks++) {
    if (Date.now() > deadline || checks >= maxChecks) throw new Error(`timed out waiting for ${what} (${checks} checks, ${ms} ms)`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

export interface RepeatBounds {
  /** Most ms the loop may run before failing. */
  ms: number;
  /** Most iterations before failing. */
  times: number;
  /** Named in the error. */
  what: string;
}

/**
 * Runs `step` until `done()` holds (load lanes: "claim until told to stop").
 * Yields to the event loop after every step, so the code that sets `done`
 * (timers, a `waitUntil`) always runs; throws after `ms` or `times` steps.
 * Returns the number of steps run.
 *
 * @example
 * const lanes = Array.from({ length: 16 }, () => repeatUntil(() => stop, claimOne, { ms: 30_000, times: 200_000, what: 'a load lane' }));
 */
export async function repeatUntil(
  done: () => boolean,
  step: () => Promise<unknown> | unknown,
  { ms, times, what }: RepeatBounds,
): Promise<number> {
  const deadline = Date.now() + ms;
  let steps = 0;
  while (!done()) {
    if (Date.now() > deadline || steps >= times) throw new Error(`${what} ran past its bound (${steps} steps, ${ms} ms)`);
    await step();
    steps++;
    await yieldToEventLoop();
  }
  return steps;
}

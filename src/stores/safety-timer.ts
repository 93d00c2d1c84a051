import { ConfigError } from '../errors.js';
import { checkNumber } from '../option-checks.js';

/** Default ms between two safety checks of a Redis or PostgreSQL claim store (`safetyCheckInterval`). */
export const SAFETY_CHECK_INTERVAL = 10_000;

/** The longest delay Node's timers keep (2^31 - 1 ms); a longer one fires after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Checks a `safetyCheckInterval` option at creation: a whole number of ms,
 * at least 1 and at most 2^31 - 1; {@link SAFETY_CHECK_INTERVAL} when absent.
 * @throws {ConfigError} naming the option and what was given.
 * @example
 * checkSafetyInterval('RedisClaimStore safetyCheckInterval', options.safetyCheckInterval); // 10_000
 */
export function checkSafetyInterval(name: string, value: unknown): number {
  const ms = checkNumber(name, value, SAFETY_CHECK_INTERVAL, { min: 1, integer: true, unit: 'ms' });
  if (ms > MAX_TIMER_MS) throw new ConfigError(`${name} must be at most ${MAX_TIMER_MS} (ms), got ${ms}`);
  return ms;
}

/**
 * Runs `check` every `ms` on a timer that never keeps the process alive
 * (unref'd where timers can be). A check still running when the next tick
 * comes is not started twice; a check that throws or rejects is ignored
 * (never an unhandled rejection): `check` records what it found itself.
 * @returns stops the timer.
 * @example
 * const stop = everyInterval(10_000, () => link.checkNow());
 * stop(); // on close
 */
export function everyInterval(ms: number, check: () => Promise<unknown>): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    Promise.resolve()
      .then(check)
      .catch(() => undefined)
      .finally(() => {
        running = false;
      });
  }, ms);
  (timer as { unref?: () => unknown }).unref?.(); // a number outside Node: nothing to unref
  return () => clearInterval(timer);
}

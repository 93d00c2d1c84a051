import { ConfigError } from '../errors.js';

/**
 * The clock {@link createTestClock} returns: pass `clock.now` as the `now` option, then move it.
 *
 * @example
 * const clock: TestClock = createTestClock();
 * await claimToken(token, { secret, algorithms: ['HS256'], now: clock.now });
 * clock.advance(60_000);
 */
export interface TestClock {
  /** The current test time in epoch ms. Bound: pass it as it is (`now: clock.now`). */
  readonly now: () => number;
  /** The current test time in whole epoch seconds (for `iat`/`exp`). */
  readonly seconds: () => number;
  /** Moves the clock forward by `ms` (a finite number of ms, negative to step back). @returns the new time. */
  advance(ms: number): number;
  /** Sets the clock to `epochMs`. @returns the new time. */
  set(epochMs: number): number;
}

/**
 * The start of every {@link createTestClock} that is given none: 2026-01-01T00:00:00Z.
 *
 * @example
 * createTestClock().now() === TEST_EPOCH; // true
 */
export const TEST_EPOCH = Date.UTC(2026, 0, 1);

function checkTime(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ConfigError(`${name} must be a finite number of milliseconds; got ${typeof value === 'number' ? value : typeof value}`);
  }
  return value;
}

/**
 * A clock for tests that moves only when told to: give `clock.now` to jwt-once
 * (the `now` option of `claimToken`, every adapter and `MemoryStore`) and to
 * {@link createTokenFactory}, then `advance` it past an expiry instead of sleeping.
 *
 * @param start Epoch ms the clock starts at. @default TEST_EPOCH (2026-01-01T00:00:00Z)
 * @throws {ConfigError} when `start` (or a later `advance`/`set`) is not a finite number.
 * @example
 * import { createTestClock } from 'jwt-once/testing';
 * const clock = createTestClock();
 * const guard = jwtOnce({ secret, algorithms: ['HS256'], now: clock.now });
 * clock.advance(5 * 60_000); // five minutes later, no sleeping
 */
export function createTestClock(start: number = TEST_EPOCH): TestClock {
  let time = checkTime('createTestClock start', start);
  return {
    now: () => time,
    seconds: () => Math.floor(time / 1000),
    advance(ms: number): number {
      time += checkTime('TestClock.advance', ms);
      return time;
    },
    set(epochMs: number): number {
      time = checkTime('TestClock.set', epochMs);
      return time;
    },
  };
}

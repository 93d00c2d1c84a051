import Keyv from 'keyv';
import { ConfigError, PostgresClaimStore, RedisClaimStore } from '../../src/index.js';
import { checkSafetyInterval, everyInterval, SAFETY_CHECK_INTERVAL } from '../../src/stores/safety-timer.js';

// Issue 16.11: `safetyCheckInterval` of the Redis and PostgreSQL stores, and the timer behind it.

const BAD = [0, -1, 0.5, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10000', null, 2 ** 31];

describe('safetyCheckInterval', () => {
  it.each(BAD)('RedisClaimStore and PostgresClaimStore refuse %p at creation, naming the option', (value) => {
    const options = { safetyCheckInterval: value as number };
    expect(() => new RedisClaimStore(new Keyv(), options)).toThrow(ConfigError);
    expect(() => new RedisClaimStore(new Keyv(), options)).toThrow(/RedisClaimStore safetyCheckInterval must be/);
    expect(() => new PostgresClaimStore(new Keyv(), options)).toThrow(ConfigError);
    expect(() => new PostgresClaimStore(new Keyv(), options)).toThrow(/PostgresClaimStore safetyCheckInterval must be/);
  });

  it('defaults to 10 s and accepts any whole number of ms from 1 to 2^31 - 1', () => {
    expect(SAFETY_CHECK_INTERVAL).toBe(10_000);
    expect(checkSafetyInterval('x', undefined)).toBe(10_000);
    expect(checkSafetyInterval('x', 1)).toBe(1);
    expect(checkSafetyInterval('x', 2 ** 31 - 1)).toBe(2 ** 31 - 1);
  });
});

describe('everyInterval', () => {
  afterEach(() => jest.useRealTimers());

  it('runs the check every interval, never two at once, ignores a rejection, and stops', async () => {
    jest.useFakeTimers();
    let started = 0;
    let finish: (() => void) | undefined;
    const stop = everyInterval(100, () => {
      started++;
      return new Promise<void>((resolve, reject) => {
        finish = started === 1 ? resolve : () => reject(new Error('check failed'));
      });
    });
    await jest.advanceTimersByTimeAsync(100);
    expect(started).toBe(1);
    await jest.advanceTimersByTimeAsync(300); // the first check still runs: no second one
    expect(started).toBe(1);
    finish!();
    await jest.advanceTimersByTimeAsync(100);
    expect(started).toBe(2);
    finish!(); // a rejected check: ignored (the suite fails on an unhandled rejection)
    await jest.advanceTimersByTimeAsync(100);
    expect(started).toBe(3);
    stop();
    await jest.advanceTimersByTimeAsync(1000);
    expect(started).toBe(3);
  });

  it('a check that throws at once is ignored too, and the timer never keeps the process alive', async () => {
    const setSpy = jest.spyOn(globalThis, 'setInterval');
    let calls = 0;
    const stop = everyInterval(5, () => {
      calls++;
      throw new Error('sync failure');
    });
    try {
      const timer = setSpy.mock.results.at(-1)!.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      for (let i = 0; i < 100 && calls < 2; i++) await new Promise((r) => setTimeout(r, 5));
      expect(calls).toBeGreaterThanOrEqual(2);
    } finally {
      stop();
      setSpy.mockRestore();
    }
  });
});

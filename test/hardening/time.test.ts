import fc from 'fast-check';
import { CLAIM_MARGIN_MS, createClaimer, JwtOnceError, MemoryStore, type ClaimOptions } from '../../src/index.js';
import { HS_SECRET, NOW, NOW_S } from '../helpers/tokens.js';
import { signRaw } from './hostile.js';

let serial = 0;
/** An HS256 token with exactly these claims (plus a unique `n`); no `iat` unless given. */
function token(claims: Record<string, unknown>): string {
  return signRaw('{"alg":"HS256","typ":"JWT"}', JSON.stringify({ n: ++serial, ...claims }), HS_SECRET);
}

/** A claimer on its own MemoryStore with a clock the test moves. */
function setup(extra: Partial<ClaimOptions> = {}) {
  const clock = { now: NOW };
  const store = new MemoryStore({ now: () => clock.now });
  const claim = createClaimer({ secret: HS_SECRET, algorithms: ['HS256'], store, now: () => clock.now, ...extra });
  const outcome = (t: string): Promise<string> =>
    claim(t).then(
      () => 'passed',
      (err: unknown) => {
        if (err instanceof JwtOnceError) return err.code;
        throw err;
      },
    );
  return { clock, store, claim, outcome };
}

afterEach(() => jest.useRealTimers());

describe('time edges', () => {
  it('refuses nbf in the future, unclaimed, and lets the token through once when nbf arrives', async () => {
    const { clock, store, outcome } = setup();
    const t = token({ nbf: NOW_S + 10, exp: NOW_S + 60 });
    expect(await outcome(t)).toBe('ERR_JWT_ONCE_INVALID');
    clock.now = NOW + 9_999;
    expect(await outcome(t)).toBe('ERR_JWT_ONCE_INVALID');
    expect(store.size).toBe(0);
    clock.now = NOW + 10_000;
    expect(await outcome(t)).toBe('passed');
    expect(await outcome(t)).toBe('ERR_JWT_ONCE_REUSED');
  });

  it('refuses iat in the future beyond clockTolerance, exactly at its edge', async () => {
    for (const tolerance of [0, 1, 30]) {
      const { store, outcome } = setup({ clockTolerance: tolerance });
      expect(await outcome(token({ iat: NOW_S + tolerance + 1, exp: NOW_S + 600 }))).toBe('ERR_JWT_ONCE_INVALID');
      expect(store.size).toBe(0);
      const atEdge = token({ iat: NOW_S + tolerance, exp: NOW_S + 600 });
      expect(await outcome(atEdge)).toBe('passed');
      expect(await outcome(atEdge)).toBe('ERR_JWT_ONCE_REUSED');
    }
  });

  it('treats nbf at now + clockTolerance as valid and one second later as not yet valid', async () => {
    const { store, outcome } = setup({ clockTolerance: 5 });
    expect(await outcome(token({ nbf: NOW_S + 6, exp: NOW_S + 60 }))).toBe('ERR_JWT_ONCE_INVALID');
    expect(store.size).toBe(0);
    expect(await outcome(token({ nbf: NOW_S + 5, exp: NOW_S + 60 }))).toBe('passed');
  });

  it('refuses a token whose exp is exactly now as expired, and never claims it', async () => {
    const { store, outcome } = setup();
    const t = token({ exp: NOW_S });
    expect(await outcome(t)).toBe('ERR_JWT_ONCE_EXPIRED');
    expect(store.size).toBe(0);
    // One millisecond earlier (on a fresh claimer: time never runs back within one) it is valid,
    // and its claim outlives it by the margin.
    const early = setup();
    early.clock.now = NOW - 1;
    expect((await early.claim(t)).expiresAt.getTime()).toBe(NOW + CLAIM_MARGIN_MS);
    expect(await early.outcome(t)).toBe('ERR_JWT_ONCE_REUSED');
    early.clock.now = NOW;
    expect(await early.outcome(t)).toBe('ERR_JWT_ONCE_EXPIRED');
  });

  it('holds every claim for as long as the verifier accepts the token, for any tolerance and presentation time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 600 }), // clockTolerance, seconds
        fc.integer({ min: -120_000, max: 700_000 }), // first presentation, ms after exp
        fc.array(fc.integer({ min: 0, max: 800_000 }), { minLength: 1, maxLength: 6 }), // later presentations, ms after the first
        async (tolerance, first, laters) => {
          const c = setup({ clockTolerance: tolerance });
          const exp = NOW_S + 60;
          const t = token({ exp });
          c.clock.now = exp * 1000 + first;
          const got = await c.outcome(t);
          const acceptable = first < tolerance * 1000;
          expect(got).toBe(acceptable ? 'passed' : 'ERR_JWT_ONCE_EXPIRED');
          for (const later of laters.sort((a, b) => a - b)) {
            c.clock.now = exp * 1000 + first + later;
            const replay = await c.outcome(t);
            expect(replay).not.toBe('passed');
            if (acceptable) expect(replay).toBe(first + later < tolerance * 1000 ? 'ERR_JWT_ONCE_REUSED' : 'ERR_JWT_ONCE_EXPIRED');
            // Sweeping at this time must not forget a claim the verifier would still honour.
            c.store.sweep(c.clock.now);
            expect(await c.outcome(t)).not.toBe('passed');
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses a very large exp by maxTtl instead of storing it for years, exactly at the edge', async () => {
    const { store, outcome } = setup({ maxTtl: 3600 });
    for (const exp of [NOW_S + 3601, NOW_S + 10 * 365 * 86_400, 1e12, Number.MAX_SAFE_INTEGER, 1e300, 1.7e308]) {
      expect(await outcome(token({ iat: NOW_S, exp }))).toBe('ERR_JWT_ONCE_INVALID');
    }
    expect(store.size).toBe(0);
    expect(await outcome(token({ iat: NOW_S, exp: NOW_S + 3600 }))).toBe('passed');
    // clockTolerance counts toward the claim's lifetime.
    const tolerant = setup({ maxTtl: 3600, clockTolerance: 10 });
    expect(await tolerant.outcome(token({ exp: NOW_S + 3591 }))).toBe('ERR_JWT_ONCE_INVALID');
    expect(await tolerant.outcome(token({ exp: NOW_S + 3590 }))).toBe('passed');
  });

  it('uses the default maxTtl of one day', async () => {
    const { outcome } = setup();
    expect(await outcome(token({ exp: NOW_S + 86_401 }))).toBe('ERR_JWT_ONCE_INVALID');
    expect(await outcome(token({ exp: NOW_S + 86_400 }))).toBe('passed');
  });
});

describe('a clock that jumps', () => {
  it('forward past expiry, swept, then back: the forgotten token is not accepted again', async () => {
    const { clock, store, outcome } = setup();
    const t = token({ iat: NOW_S, exp: NOW_S + 60 });
    expect(await outcome(t)).toBe('passed');
    clock.now = NOW + 3_600_000; // an hour ahead
    expect(store.sweep(clock.now)).toBe(1); // the claim is gone
    expect(await outcome(t)).toBe('ERR_JWT_ONCE_EXPIRED');
    clock.now = NOW + 1_000; // stepped back (NTP): the token would verify again on this clock
    expect(await outcome(t)).toBe('ERR_JWT_ONCE_EXPIRED');
    expect(store.size).toBe(0);
  });

  it('forward past expiry with the background sweep (fake timers), then back: still refused', async () => {
    jest.useFakeTimers({ now: NOW });
    const clock = { now: NOW };
    const store = new MemoryStore({ sweepInterval: 1000, now: () => clock.now });
    const claim = createClaimer({ secret: HS_SECRET, algorithms: ['HS256'], store, now: () => clock.now });
    const t = token({ iat: NOW_S, exp: NOW_S + 60 });
    await claim(t);
    clock.now = NOW + 120_000;
    await expect(claim(t)).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_EXPIRED' }); // a request sees the jump
    jest.advanceTimersByTime(1000);
    // No claim was made at the jumped time, so the background sweep does not run ahead of it.
    expect(store.size).toBe(1);
    clock.now = NOW + 500;
    await expect(claim(t)).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_EXPIRED' });
    // A second claimer that never saw the jump still finds the claim.
    const fresh = createClaimer({ secret: HS_SECRET, algorithms: ['HS256'], store, now: () => clock.now });
    await expect(fresh(t)).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_REUSED' });
  });

  it('backwards with claims held: every claimed token is still refused', async () => {
    const { clock, outcome } = setup();
    const tokens = [token({ iat: NOW_S, exp: NOW_S + 60 }), token({ exp: NOW_S + 600 }), token({ nbf: NOW_S - 10, exp: NOW_S + 30 })];
    for (const t of tokens) expect(await outcome(t)).toBe('passed');
    for (const back of [1, 59_000, 3_600_000, 86_400_000]) {
      clock.now = NOW - back;
      for (const t of tokens) expect(await outcome(t)).toBe('ERR_JWT_ONCE_REUSED');
    }
  });

  it('forward within the lifetime: replays refused', async () => {
    const { clock, outcome } = setup();
    const t = token({ iat: NOW_S, exp: NOW_S + 60 });
    expect(await outcome(t)).toBe('passed');
    clock.now = NOW + 59_999;
    expect(await outcome(t)).toBe('ERR_JWT_ONCE_REUSED');
    clock.now = NOW + 60_000;
    expect(await outcome(t)).toBe('ERR_JWT_ONCE_EXPIRED');
  });

  it('any sequence of jumps, sweeps and presentations lets each token through at most once', async () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('jump' as const), seconds: fc.integer({ min: -7200, max: 7200 }) }),
      fc.record({ kind: fc.constant('sweep' as const) }),
      fc.record({ kind: fc.constant('present' as const), index: fc.nat({ max: 5 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 120 }), fc.array(step, { minLength: 1, maxLength: 40 }), async (tolerance, steps) => {
        const { clock, store, outcome } = setup({ clockTolerance: tolerance });
        const tokens = [
          token({ iat: NOW_S, exp: NOW_S + 60 }),
          token({ exp: NOW_S + 300 }),
          token({ iat: NOW_S - 30, exp: NOW_S + 3600 }),
          token({ nbf: NOW_S + 120, exp: NOW_S + 600 }),
          token({ iat: NOW_S + 1800, exp: NOW_S + 5400 }),
          token({ exp: NOW_S + 1 }),
        ];
        const passes = tokens.map(() => 0);
        // Sweeps run at the latest time a claim was attempted at: a sweep on a clock that ran
        // ahead of every claimer is the store's concern (see SECURITY.md, "Clocks").
        let observed = clock.now;
        for (const s of steps) {
          if (s.kind === 'jump') clock.now += s.seconds * 1000;
          else if (s.kind === 'sweep') store.sweep(observed);
          else {
            observed = Math.max(observed, clock.now);
            if ((await outcome(tokens[s.index]!)) === 'passed') passes[s.index]!++;
          }
        }
        for (let i = 0; i < tokens.length; i++) {
          if ((await outcome(tokens[i]!)) === 'passed') passes[i]!++;
          expect(passes[i]).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 300 },
    );
  });
});

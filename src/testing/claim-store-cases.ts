import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { claimToken } from '../claim-token.js';
import { ReusedTokenError } from '../errors.js';
import type { ClaimStore } from '../stores/claim-store.js';
import { parseClaim } from '../stores/claim-value.js';
import { TEST_EPOCH } from './test-clock.js';
import { createTokenFactory } from './token-factory.js';

/**
 * One store under test, as the {@link claimStoreCases} need it.
 *
 * @example
 * const subject: ClaimStoreSubject = { store: new MyRedisStore(url), injectedClock: false, cleanup: () => store.close() };
 */
export interface ClaimStoreSubject {
  /** The store under test. Keys are random per case, so it may be shared with other data. */
  store: ClaimStore;
  /**
   * `true` when the store judges expiry by the caller's `now` (memory, Map,
   * SQLite, PostgreSQL): the cases then run at a fixed time and move it
   * forward without sleeping. `false` when it keeps its own clock (Redis): the
   * cases use the real clock and claims that have already expired.
   * @default true
   */
  injectedClock?: boolean;
  /** The Keyv the store writes through, when there is one: then a case checks `keyv.get` reads each claim. @default none */
  keyv?: { get(key: string): unknown };
  /** Called once after the last case: close the store, drop its table, stop its server. @default none */
  cleanup?(): Promise<void> | void;
}

/**
 * One case of the contract: a name to register, and the check (it rejects with an `AssertionError` when the store fails it).
 *
 * @example
 * for (const { name, run } of claimStoreCases()) test(name, () => run({ store }));
 */
export interface ClaimStoreCase {
  readonly name: string;
  run(subject: ClaimStoreSubject): Promise<void>;
}

/** The fixed "now" of stores with an injected clock. */
const T = TEST_EPOCH;
const SUITE_SECRET = 'jwt-once-claim-store-contract-secret-0123456789';
const key = (): string => `contract:${randomUUID()}`;
const nowOf = (subject: Pick<ClaimStoreSubject, 'injectedClock'>): number => (subject.injectedClock === false ? Date.now() : T);
const count = <T>(values: readonly T[], wanted: T): number => values.filter((v) => v === wanted).length;

const cases: readonly ClaimStoreCase[] = [
  {
    name: 'claims a key once, refuses the replay',
    async run({ store, ...subject }) {
      const k = key();
      const n = nowOf(subject);
      assert.equal(await store.claim(k, n + 60_000, n), true, 'the first claim of a key must win');
      assert.equal(await store.claim(k, n + 60_000, n), false, 'a second claim of a live key must be refused');
      assert.equal(await store.claim(k, n + 120_000, n + 1000), false, 'a claim with a later expiry must be refused too');
    },
  },
  {
    name: 'writes claims keyv.get can read (stores written through a Keyv)',
    async run({ store, keyv }) {
      if (keyv === undefined) return;
      const k = key();
      const expiresAt = Date.now() + 60_000; // Keyv checks expiry against the wall clock
      assert.equal(await store.claim(k, expiresAt, Date.now()), true);
      // Every store writes one format, read by one parser: the expiry, and the per-claim id ('' for none).
      assert.deepEqual(parseClaim(await keyv.get(k)), { expiresAt, id: '' });
      const withId = key();
      assert.equal(await store.claim(withId, expiresAt, Date.now(), 'id-1'), true);
      assert.deepEqual(parseClaim(await keyv.get(withId)), { expiresAt, id: 'id-1' });
    },
  },
  {
    name: 'lets an expired claim be claimed again',
    async run({ store, injectedClock }) {
      const k = key();
      if (injectedClock !== false) {
        assert.equal(await store.claim(k, T + 1000, T), true);
        assert.equal(await store.claim(k, T + 5000, T + 999), false, 'a claim is live until its expiry');
        assert.equal(await store.claim(k, T + 5000, T + 1000), true, 'a claim whose expiry has come counts as absent');
        assert.equal(await store.claim(k, T + 9000, T + 4999), false, 'the new claim is live');
      } else {
        // The store's own clock: a claim whose expiry has already passed is gone at once (no sleeping on TTLs).
        const past = Date.now() - 1;
        assert.equal(await store.claim(k, past, past), true);
        assert.equal(await store.claim(k, Date.now() + 60_000, Date.now()), true, 'an expired claim counts as absent');
        assert.equal(await store.claim(k, Date.now() + 60_000, Date.now()), false);
      }
    },
  },
  {
    name: 'release gives the key back; compare-and-delete keeps another claim',
    async run({ store, ...subject }) {
      const k = key();
      const n = nowOf(subject);
      assert.equal(await store.claim(k, n + 60_000, n), true);
      await store.release(k, n + 61_000); // not this claim's expiry: kept
      assert.equal(await store.claim(k, n + 60_000, n), false, 'a release with another expiry must keep the claim');
      await store.release(k, n + 60_000);
      assert.equal(await store.claim(k, n + 70_000, n), true, 'a release with the claim’s expiry must remove it');
      assert.equal(await store.claim(k, n + 70_000, n), false);
      await store.release(`${k}:absent`, n + 1); // releasing nothing is not an error
    },
  },
  {
    name: 'a release with another id (a late release of an earlier claim) keeps the newer claim of the same key',
    async run({ store, ...subject }) {
      const k = key();
      const n = nowOf(subject);
      const expiresAt = n + 60_000; // the same token: the same expiry every time
      assert.equal(await store.claim(k, expiresAt, n, 'first'), true);
      await store.release(k, expiresAt, 'first'); // gone (released, evicted, a restart...)
      assert.equal(await store.claim(k, expiresAt, n, 'second'), true);
      await store.release(k, expiresAt, 'first'); // the first claim's release arrives late
      await store.release(k, expiresAt); // no id is the id '': not this claim either
      assert.equal(await store.claim(k, expiresAt, n, 'third'), false, 'a release with another id must keep the claim');
      await store.release(k, expiresAt, 'second');
      assert.equal(await store.claim(k, expiresAt, n, 'third'), true, 'a release with the claim’s id must remove it');
      // A claim made without an id is released without one.
      const bare = key();
      assert.equal(await store.claim(bare, expiresAt, n), true);
      await store.release(bare, expiresAt, 'other');
      assert.equal(await store.claim(bare, expiresAt, n), false, 'a release with an id must keep a claim made without one');
      await store.release(bare, expiresAt);
      assert.equal(await store.claim(bare, expiresAt, n), true, 'a release without an id must remove a claim made without one');
    },
  },
  {
    name: 'of 1,000 concurrent claims of one key, exactly one wins',
    async run({ store, ...subject }) {
      const k = key();
      const n = nowOf(subject);
      const answers = await Promise.all(Array.from({ length: 1000 }, async () => store.claim(k, n + 60_000, n)));
      assert.deepEqual({ won: count(answers, true), refused: count(answers, false) }, { won: 1, refused: 999 });
    },
  },
  {
    name: 'many keys claimed concurrently each win once',
    async run({ store, ...subject }) {
      const keys = Array.from({ length: 200 }, key);
      const n = nowOf(subject);
      const all = [...keys, ...keys];
      const answers = await Promise.all(all.map(async (k) => store.claim(k, n + 60_000, n)));
      const wins = new Map<string, number>();
      all.forEach((k, i) => answers[i] === true && wins.set(k, (wins.get(k) ?? 0) + 1));
      assert.equal(count(answers, true), 200, 'each of 200 keys claimed twice at once must win exactly once');
      assert.deepEqual(
        keys.filter((k) => wins.get(k) !== 1),
        [],
        'keys that did not win exactly once',
      );
    },
  },
  {
    name: 'claimToken end to end: first use passes, 49 concurrent replays fail, release lets it through again',
    async run({ store, injectedClock }) {
      const now = injectedClock === false ? Date.now : () => T + 1;
      const sign = createTokenFactory({ secret: SUITE_SECRET, algorithms: ['HS256'], now });
      const token = sign();
      const options = { secret: SUITE_SECRET, algorithms: ['HS256'] as const, store, ...(injectedClock !== false && { now }) };
      const results = await Promise.allSettled(Array.from({ length: 50 }, () => claimToken(token, options)));
      const passed = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const reused = results.filter((r) => r.status === 'rejected' && r.reason instanceof ReusedTokenError);
      const other = results.flatMap((r) => (r.status === 'rejected' && !(r.reason instanceof ReusedTokenError) ? [r.reason] : []));
      assert.deepEqual(other, [], 'no claim may fail with anything but a replay');
      assert.deepEqual({ passed: passed.length, reused: reused.length }, { passed: 1, reused: 49 });
      await passed[0]!.release();
      const again = await claimToken(token, options);
      assert.equal(typeof again.payload.jti, 'string');
      await assert.rejects(claimToken(token, options), ReusedTokenError);
    },
  },
];

/**
 * The cases every {@link ClaimStore} must pass, by name, for any test runner:
 * one claim wins and replays are refused, expiry by the caller's clock,
 * compare-and-delete release by expiry and by claim id, 1,000 concurrent
 * claims of one key with exactly one winner, 400 concurrent claims of 200
 * keys, and `claimToken` end to end (50 concurrent presentations: 1 pass,
 * 49 replays; a release lets the token through once more). Time is injected:
 * no case sleeps. Each case uses its own random keys.
 *
 * Register them with {@link claimStoreContract}, or run them with
 * {@link runClaimStoreContract}; or register each yourself (`it(c.name, () => c.run(subject))`).
 *
 * @example
 * import { claimStoreCases } from 'jwt-once/testing';
 * for (const c of claimStoreCases()) test(c.name, () => c.run({ store }));
 */
export function claimStoreCases(): readonly ClaimStoreCase[] {
  return cases;
}

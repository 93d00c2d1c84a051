import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type Keyv from 'keyv';
import { claimToken, ReusedTokenError, type ClaimStore } from '../../src/index.js';
import { parseClaim } from '../../src/stores/claim-value.js';
import { HS_SECRET } from '../helpers/tokens.js';

/** One store under test, as the contract suite needs it. */
export interface ContractSubject {
  store: ClaimStore;
  /**
   * `true` when the store judges expiry by the caller's `now` (memory, Map,
   * SQLite); `false` when it keeps its own clock (Redis).
   */
  injectedClock: boolean;
  /** The Keyv the store writes through, to check `keyv.get` reads a claim. */
  keyv?: Keyv;
  cleanup?(): Promise<void> | void;
}

const T = Date.UTC(2026, 0, 1);

/**
 * The contract every ClaimStore fulfils, run against each store. `open` is
 * called once per suite; keys are random, so stores may be shared.
 */
export function claimStoreContract(open: () => Promise<ContractSubject> | ContractSubject): void {
  let subject: ContractSubject;
  const key = (): string => `contract:${randomUUID()}`;
  /** "now" for this store: the injected clock, or the real one for stores that keep their own. */
  const now = (): number => (subject.injectedClock ? T : Date.now());

  beforeAll(async () => {
    subject = await open();
  });
  afterAll(async () => {
    await subject?.cleanup?.();
  });

  it('claims a key once, refuses the replay', async () => {
    const k = key();
    const n = now();
    expect(await subject.store.claim(k, n + 60_000, n)).toBe(true);
    expect(await subject.store.claim(k, n + 60_000, n)).toBe(false);
    expect(await subject.store.claim(k, n + 120_000, n + 1000)).toBe(false);
  });

  it('writes claims keyv.get can read', async () => {
    if (subject.keyv === undefined) return;
    const k = key();
    const expiresAt = Date.now() + 60_000; // Keyv checks expiry against the wall clock
    expect(await subject.store.claim(k, expiresAt, Date.now())).toBe(true);
    // Every store writes one format, read by one parser: the expiry, and the per-claim id ('' for none).
    expect(parseClaim(await subject.keyv.get(k))).toEqual({ expiresAt, id: '' });
    const withId = key();
    expect(await subject.store.claim(withId, expiresAt, Date.now(), 'id-1')).toBe(true);
    expect(parseClaim(await subject.keyv.get(withId))).toEqual({ expiresAt, id: 'id-1' });
  });

  it('lets an expired claim be claimed again', async () => {
    const k = key();
    if (subject.injectedClock) {
      expect(await subject.store.claim(k, T + 1000, T)).toBe(true);
      expect(await subject.store.claim(k, T + 5000, T + 999)).toBe(false);
      expect(await subject.store.claim(k, T + 5000, T + 1000)).toBe(true);
      expect(await subject.store.claim(k, T + 9000, T + 4999)).toBe(false);
    } else {
      // The store's own clock: a claim whose expiry has already passed is gone at once (no sleeping on TTLs).
      const past = Date.now() - 1;
      expect(await subject.store.claim(k, past, past)).toBe(true);
      expect(await subject.store.claim(k, Date.now() + 60_000, Date.now())).toBe(true);
      expect(await subject.store.claim(k, Date.now() + 60_000, Date.now())).toBe(false);
    }
  });

  it('release gives the key back; compare-and-delete keeps another claim', async () => {
    const k = key();
    const n = now();
    expect(await subject.store.claim(k, n + 60_000, n)).toBe(true);
    await subject.store.release(k, n + 61_000); // not this claim's expiry: kept
    expect(await subject.store.claim(k, n + 60_000, n)).toBe(false);
    await subject.store.release(k, n + 60_000);
    expect(await subject.store.claim(k, n + 70_000, n)).toBe(true);
    expect(await subject.store.claim(k, n + 70_000, n)).toBe(false);
    await subject.store.release(`${k}:absent`, n + 1); // releasing nothing is not an error
  });

  it('a release with another id (a late release of an earlier claim) keeps the newer claim of the same key', async () => {
    const k = key();
    const n = now();
    const expiresAt = n + 60_000; // the same token: the same expiry every time
    expect(await subject.store.claim(k, expiresAt, n, 'first')).toBe(true);
    await subject.store.release(k, expiresAt, 'first'); // gone (released, evicted, a restart...)
    expect(await subject.store.claim(k, expiresAt, n, 'second')).toBe(true);
    await subject.store.release(k, expiresAt, 'first'); // the first claim's release arrives late
    await subject.store.release(k, expiresAt); // no id is the id '': not this claim either
    expect(await subject.store.claim(k, expiresAt, n, 'third')).toBe(false);
    await subject.store.release(k, expiresAt, 'second');
    expect(await subject.store.claim(k, expiresAt, n, 'third')).toBe(true);
    // A claim made without an id is released without one.
    const bare = key();
    expect(await subject.store.claim(bare, expiresAt, n)).toBe(true);
    await subject.store.release(bare, expiresAt, 'other');
    expect(await subject.store.claim(bare, expiresAt, n)).toBe(false);
    await subject.store.release(bare, expiresAt);
    expect(await subject.store.claim(bare, expiresAt, n)).toBe(true);
  });

  it('of 1,000 concurrent claims of one key, exactly one wins', async () => {
    const k = key();
    const n = now();
    const answers = await Promise.all(Array.from({ length: 1000 }, async () => subject.store.claim(k, n + 60_000, n)));
    expect(answers.filter((won) => won === true)).toHaveLength(1);
    expect(answers.filter((won) => won === false)).toHaveLength(999);
  });

  it('many keys claimed concurrently each win once', async () => {
    const keys = Array.from({ length: 200 }, key);
    const n = now();
    const answers = await Promise.all([...keys, ...keys].map(async (k) => subject.store.claim(k, n + 60_000, n)));
    expect(answers.filter(Boolean)).toHaveLength(200);
    const wins = new Map<string, number>();
    [...keys, ...keys].forEach((k, i) => answers[i] && wins.set(k, (wins.get(k) ?? 0) + 1));
    expect([...wins.values()].every((w) => w === 1)).toBe(true);
  });

  it('claimToken end to end: first use passes, replays fail, release lets it through again', async () => {
    const nowS = Math.floor(now() / 1000);
    const token = jwt.sign({ iat: nowS, exp: nowS + 300, jti: randomUUID() }, HS_SECRET, { algorithm: 'HS256' });
    const options = {
      secret: HS_SECRET,
      algorithms: ['HS256'] as const,
      store: subject.store,
      ...(subject.injectedClock && { now: () => T + 1 }),
    };
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => claimToken(token, options)));
    const passed = results.filter((r) => r.status === 'fulfilled');
    expect(passed).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof ReusedTokenError)).toHaveLength(49);
    await (passed[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof claimToken>>>).value.release();
    await expect(claimToken(token, options)).resolves.toMatchObject({ payload: { jti: expect.any(String) } });
    await expect(claimToken(token, options)).rejects.toBeInstanceOf(ReusedTokenError);
  });
}

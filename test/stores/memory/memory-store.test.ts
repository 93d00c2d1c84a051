import jwt from 'jsonwebtoken';
import Keyv from 'keyv';
import { claimToken, KeyvMapStore, MemoryStore, StoreError, type Claim } from '../../../src/index.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';

describe('MemoryStore', () => {
  it('claims a key once while it lives, and again once it has expired', () => {
    const store = new MemoryStore();
    expect(store.claim('k', NOW + 1000, NOW)).toBe(true);
    expect(store.claim('k', NOW + 1000, NOW + 999)).toBe(false);
    expect(store.claim('k', NOW + 5000, NOW + 1000)).toBe(true);
    store.close();
  });

  it('sweeps expired claims and keeps live ones', () => {
    const store = new MemoryStore();
    store.claim('old', NOW + 1000, NOW);
    store.claim('live', NOW + 10_000, NOW);
    expect(store.sweep(NOW + 5000)).toBe(1);
    expect(store.size).toBe(1);
    expect(store.claim('live', NOW + 20_000, NOW + 5000)).toBe(false);
    store.close();
  });

  it("sweeps on its own, unref'd timer", () => {
    jest.useFakeTimers({ now: NOW });
    try {
      const store = new MemoryStore({ sweepInterval: 1000 });
      store.claim('a', NOW + 1500, NOW);
      store.claim('b', NOW + 60_000, NOW);
      jest.advanceTimersByTime(1000);
      store.claim('c', NOW + 60_000, NOW + 1600); // traffic goes on
      jest.advanceTimersByTime(1000);
      expect(store.size).toBe(2);
      expect(store.claim('a', NOW + 5000, NOW + 2000)).toBe(true);
      store.close();
    } finally {
      jest.useRealTimers();
    }
  });

  it('never sweeps ahead of the latest claim time, so a clock stepped forward and back cannot drop a live claim', () => {
    let wall = NOW;
    jest.useFakeTimers({ now: NOW });
    try {
      const store = new MemoryStore({ sweepInterval: 1000, now: () => wall });
      store.claim('k', NOW + 60_000, NOW);
      wall = NOW + 3_600_000; // the store's clock jumps an hour ahead...
      jest.advanceTimersByTime(1000); // ...and the background sweep runs
      wall = NOW + 1000; // ...then the clock is stepped back
      expect(store.claim('k', NOW + 60_000, NOW + 1000)).toBe(false);
      store.close();
    } finally {
      jest.useRealTimers();
    }
  });

  it('refuses new claims with a store error when full, rather than evicting a live one', () => {
    const store = new MemoryStore({ maxEntries: 2 });
    store.claim('a', NOW + 10_000, NOW);
    store.claim('b', NOW + 10_000, NOW);
    expect(() => store.claim('c', NOW + 10_000, NOW)).toThrow(StoreError);
    expect(store.claim('a', NOW + 10_000, NOW)).toBe(false);
    // Once entries expire, room is made by sweeping, not by evicting.
    expect(store.claim('c', NOW + 20_000, NOW + 10_000)).toBe(true);
    store.close();
  });

  it('a full store makes claimToken fail closed with 503', async () => {
    const store = new MemoryStore({ maxEntries: 1 });
    const opts = { secret: HS_SECRET, algorithms: ['HS256'] as const, store, now: () => NOW };
    await claimToken(hsToken(), opts);
    await expect(claimToken(hsToken(), opts)).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_STORE', status: 503 });
    store.close();
  });

  it('release removes only the claim made with that expiry', () => {
    const store = new MemoryStore();
    store.claim('k', NOW + 1000, NOW);
    store.release('k', NOW + 2000);
    expect(store.claim('k', NOW + 1000, NOW)).toBe(false);
    store.release('k', NOW + 1000);
    expect(store.claim('k', NOW + 1000, NOW)).toBe(true);
    store.close();
  });

  it('rejects bad options at creation', () => {
    expect(() => new MemoryStore({ maxEntries: 0 })).toThrow(/maxEntries/);
    expect(() => new MemoryStore({ sweepInterval: -5 })).toThrow(/sweepInterval/);
  });
});

describe('a plain new Keyv() as the store', () => {
  it('claims atomically on its Map, in a format keyv.get reads', async () => {
    const keyv = new Keyv();
    // Keyv checks expiry against the wall clock, so this token is minted on it.
    const token = jwt.sign({ exp: Math.floor(Date.now() / 1000) + 300 }, HS_SECRET, { algorithm: 'HS256' });
    const opts = { secret: HS_SECRET, algorithms: ['HS256'] as const, store: keyv };
    const results = await Promise.allSettled(Array.from({ length: 1000 }, () => claimToken(token, opts)));
    const won = results.filter((r): r is PromiseFulfilledResult<Claim> => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const claim = won[0]!.value;
    const raw = await keyv.get<string>(claim.key, { raw: true });
    // The value carries the claim's id after its expiry, so a release removes this claim only.
    expect(raw).toEqual({
      value: expect.stringMatching(new RegExp(`^${claim.expiresAt.getTime()}:.+`)),
      expires: claim.expiresAt.getTime(),
    });
  });

  it('re-claims an entry that has expired', () => {
    const store = new KeyvMapStore(new Keyv());
    expect(store.claim('k', NOW + 1000, NOW)).toBe(true);
    expect(store.claim('k', NOW + 1000, NOW + 500)).toBe(false);
    expect(store.claim('k', NOW + 3000, NOW + 1000)).toBe(true);
  });
});

import { createClient } from 'redis';
import { claimToken, closeStores, MemoryStore, ReusedTokenError, StoreError, type ClaimStore } from '../../src/index.js';
import { createTestClock, createTokenFactory, isolatedStore, runClaimStoreContract } from '../../src/testing/index.js';
import { describeWithRedis, redisAnswers, SHARED_REDIS_URL } from '../stores/redis-servers.js';

const SECRET = 'isolated-store-secret-0123456789abcdef0123456789abcdef';
const clock = createTestClock();
const options = (store: ClaimStore) => ({ secret: SECRET, algorithms: ['HS256'] as const, store, now: clock.now });
const sign = createTokenFactory({ secret: SECRET, algorithms: ['HS256'], now: clock.now });

describe('isolatedStore', () => {
  it('with no argument: a new MemoryStore per call, so a token claimed in one is unused in the next', async () => {
    const first = isolatedStore();
    const second = isolatedStore();
    expect(first).toBeInstanceOf(MemoryStore);
    expect(second).not.toBe(first);
    const token = sign();
    await claimToken(token, options(first));
    await expect(claimToken(token, options(first))).rejects.toBeInstanceOf(ReusedTokenError);
    await expect(claimToken(token, options(second))).resolves.toBeDefined();
  });

  it('over a shared store: each view has its own keys (a prefix unique to the call); close() ends the view, not the shared store', async () => {
    const shared = new MemoryStore();
    const a = isolatedStore(shared);
    const b = isolatedStore(shared);
    expect(a.prefix).toMatch(/^jwt-once-test:[0-9a-f-]{36}:$/);
    expect(b.prefix).not.toBe(a.prefix);
    const token = sign();
    await claimToken(token, options(a));
    await expect(claimToken(token, options(a))).rejects.toBeInstanceOf(ReusedTokenError);
    await expect(claimToken(token, options(b))).resolves.toBeDefined();
    expect(shared.size).toBe(2);
    await a.close?.();
    await expect(claimToken(sign(), options(a))).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_STORE', status: 503 });
    expect(() => a.claim('k', clock.now() + 1000, clock.now())).toThrow(StoreError);
    await expect(claimToken(sign(), options(b))).resolves.toBeDefined(); // the shared store is still open
    expect(isolatedStore(shared, { prefix: 'mine:' }).prefix).toBe('mine:');
  });

  it('a view answers isClaimed only when the shared store has it (a store without it answers "unknown")', async () => {
    const view = isolatedStore(new MemoryStore());
    expect(await view.claim('k', clock.now() + 1000, clock.now())).toBe(true);
    expect(await view.isClaimed?.('k', clock.now())).toBe(true);
    expect(await view.isClaimed?.('other', clock.now())).toBe(false);
    const bare: ClaimStore = { claim: () => true, release: () => undefined };
    expect(isolatedStore(bare).isClaimed).toBeUndefined();
  });

  it('a view over a shared MemoryStore keeps the ClaimStore contract', async () => {
    const shared = new MemoryStore();
    const report = await runClaimStoreContract(() => ({ store: isolatedStore(shared), cleanup: () => shared.close() }));
    expect(report.failed).toEqual([]);
    expect(report.passed).toHaveLength(8);
  });
});

describeWithRedis('isolatedStore over a redis:// URL', redisAnswers(), `no Redis answers on ${SHARED_REDIS_URL}`, () => {
  const client = createClient({ url: SHARED_REDIS_URL });
  beforeAll(async () => {
    await client.connect();
  });
  afterAll(async () => {
    await closeStores();
    await client.close();
  });

  it('writes under its own prefix on the shared Redis, keeps the contract, and leaves no other test a replay', async () => {
    const view = isolatedStore(SHARED_REDIS_URL);
    const other = isolatedStore(SHARED_REDIS_URL);
    const report = await runClaimStoreContract(() => ({ store: view, injectedClock: false }));
    expect(report.failed).toEqual([]);
    const now = { ...options(view), now: Date.now };
    const live = createTokenFactory(now)();
    await claimToken(live, now);
    await expect(claimToken(live, now)).rejects.toBeInstanceOf(ReusedTokenError);
    await expect(claimToken(live, { ...now, store: other })).resolves.toBeDefined();
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `*${view.prefix!}*`, COUNT: 1000 })) keys.push(...batch);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.includes(view.prefix!))).toBe(true);
    for (const k of keys) await client.del(k);
    for await (const batch of client.scanIterator({ MATCH: `*${other.prefix!}*`, COUNT: 1000 })) for (const k of batch) await client.del(k);
  });
});

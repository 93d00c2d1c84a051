import { randomUUID } from 'node:crypto';
import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import { createClient } from 'redis';
import { parseClaim } from '../../../src/stores/claim-value.js';
import { openStore, RedisClaimStore } from '../../../src/index.js';
import { describeWithRedis, hasRedisBinaries, PrivateRedis, redisAnswers, SHARED_REDIS_URL, usePrivateRedis } from '../redis-servers.js';

describeWithRedis('RedisClaimStore clocks', redisAnswers(), `no Redis answers on ${SHARED_REDIS_URL}`, () => {
  const namespace = `jwt-once-test-${randomUUID()}`;
  const client = createClient({ url: SHARED_REDIS_URL, disableOfflineQueue: true });
  let store: RedisClaimStore;

  beforeAll(async () => {
    client.on('error', () => undefined);
    await client.connect();
    store = new RedisClaimStore(new Keyv(new KeyvRedis(client), { namespace }));
  });

  afterAll(async () => {
    for await (const keys of client.scanIterator({ MATCH: `${namespace}*`, COUNT: 1000 })) {
      if (keys.length > 0) await client.del(keys);
    }
    await client.close();
  });

  it("holds a claim for its remaining life by the caller's clock, even when Redis's clock is far ahead", async () => {
    // The application's clock is 11 months behind Redis's: an absolute PXAT would
    // already be in Redis's past and the claim would vanish at once.
    const appNow = Date.now() - 330 * 86_400_000;
    const expiresAt = appNow + 60_000;
    expect(await store.claim('skewed', expiresAt, appNow)).toBe(true);
    expect(await store.claim('skewed', expiresAt, appNow + 1)).toBe(false);
    const ttl = await client.pTTL(store.redisKey('skewed'));
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it("writes Keyv's value format with the claim's absolute expiry", async () => {
    const now = Date.now();
    expect(await store.claim('format', now + 30_000, now)).toBe(true);
    expect(JSON.parse((await client.get(store.redisKey('format')))!)).toEqual({ value: now + 30_000, expires: now + 30_000 });
  });
});

describeWithRedis('RedisClaimStore claims and releases by per-claim id', redisAnswers(), `no Redis answers on ${SHARED_REDIS_URL}`, () => {
  const namespace = `jwt-once-test-${randomUUID()}`;
  const client = createClient({ url: SHARED_REDIS_URL, disableOfflineQueue: true });
  let keyv: Keyv;
  let store: RedisClaimStore;

  beforeAll(async () => {
    client.on('error', () => undefined);
    await client.connect();
    keyv = new Keyv(new KeyvRedis(client), { namespace });
    store = new RedisClaimStore(keyv);
  });

  afterAll(async () => {
    await store.close();
    for await (const keys of client.scanIterator({ MATCH: `${namespace}*`, COUNT: 1000 })) {
      if (keys.length > 0) await client.del(keys);
    }
    await client.close();
  });

  it("release with another claim's id (same key, same expiry) keeps the claim; with its own id removes it", async () => {
    const now = Date.now();
    const expiresAt = now + 60_000;
    expect(await store.claim('id-a', expiresAt, now, 'first-claim')).toBe(true);
    expect(await client.get(store.redisKey('id-a'))).toBe(`{"value":"${expiresAt}:first-claim","expires":${expiresAt}}`);
    expect(parseClaim(await keyv.get('id-a'))).toEqual({ expiresAt, id: 'first-claim' }); // Keyv still reads it
    await store.release('id-a', expiresAt, 'a-late-release-of-an-older-claim');
    await store.release('id-a', expiresAt); // no id: not this claim either
    expect(await store.claim('id-a', expiresAt, now, 'replay')).toBe(false);
    await store.release('id-a', expiresAt, 'first-claim');
    expect(await store.claim('id-a', expiresAt, now, 'second-claim')).toBe(true);
  });

  it("a claim made without an id is written in Keyv's own format and released without one", async () => {
    const now = Date.now();
    expect(await store.claim('no-id', now + 60_000, now)).toBe(true);
    expect(await client.get(store.redisKey('no-id'))).toBe(`{"value":${now + 60_000},"expires":${now + 60_000}}`);
    await store.release('no-id', now + 60_000, 'some-id');
    expect(await store.claim('no-id', now + 60_000, now)).toBe(false);
    await store.release('no-id', now + 60_000);
    expect(await store.claim('no-id', now + 60_000, now)).toBe(true);
  });

  it('an id with quotes or backslashes is stored as JSON and compared exactly', async () => {
    const now = Date.now();
    const id = 'a"b\\c';
    expect(await store.claim('odd-id', now + 60_000, now, id)).toBe(true);
    expect(parseClaim(await client.get(store.redisKey('odd-id')))).toEqual({ expiresAt: now + 60_000, id });
    await store.release('odd-id', now + 60_000, id);
    expect(await client.exists(store.redisKey('odd-id'))).toBe(0);
  });

  it('an old-format claim ({"value":E,"expires":E,"id":…}) refuses its token while unexpired, is released by its id, then claimable', async () => {
    const now = Date.now();
    const expiresAt = now + 60_000;
    const old = `{"value":${expiresAt},"expires":${expiresAt},"id":"old-claim"}`;
    await client.set(store.redisKey('old'), old, { expiration: { type: 'PXAT', value: expiresAt } });
    expect(parseClaim(await client.get(store.redisKey('old')))).toEqual({ expiresAt, id: 'old-claim' });
    expect(await store.claim('old', expiresAt, now, 'new-claim')).toBe(false);
    await store.release('old', expiresAt, 'another-id'); // not this claim: kept
    expect(await store.claim('old', expiresAt, now, 'new-claim')).toBe(false);
    await store.release('old', expiresAt, 'old-claim');
    expect(await store.claim('old', expiresAt, now, 'new-claim')).toBe(true);
  });

  it('an old-format claim past its expiry is claimable', async () => {
    const now = Date.now();
    // Written with an expiry already over (PXAT in the past): gone as Redis's TTL would make it, without waiting.
    await client.set(store.redisKey('old-expired'), `{"value":${now - 1},"expires":${now - 1},"id":"old"}`, {
      expiration: { type: 'PXAT', value: now - 1 },
    });
    expect(await store.claim('old-expired', now + 60_000, now, 'new-claim')).toBe(true);
  });
});

describeWithRedis('RedisClaimStore: one Redis, one replay domain', redisAnswers(), `no Redis answers on ${SHARED_REDIS_URL}`, () => {
  const namespace = `jwt-once-test-${randomUUID()}`;
  const client = createClient({ url: SHARED_REDIS_URL, disableOfflineQueue: true });

  beforeAll(async () => {
    client.on('error', () => undefined);
    await client.connect();
  });

  afterAll(async () => {
    for await (const keys of client.scanIterator({ MATCH: `*${namespace}*`, COUNT: 1000 })) {
      if (keys.length > 0) await client.del(keys);
    }
    await client.close();
  });

  it("captures the key prefix at attach and refuses (503) once a later Keyv changes the shared adapter's namespace", async () => {
    const adapter = new KeyvRedis(client);
    const store = new RedisClaimStore(new Keyv(adapter, { namespace }));
    const now = Date.now();
    expect(await store.claim('shared', now + 60_000, now)).toBe(true);
    expect(store.redisKey('shared')).toBe(`${namespace}::${namespace}:shared`);
    const other = new Keyv(adapter, { namespace: `other-${namespace}` }); // the same adapter, another namespace
    expect(adapter.namespace).toBe(`other-${namespace}`);
    await expect(store.claim('shared', now + 60_000, now)).rejects.toMatchObject({
      code: 'ERR_JWT_ONCE_STORE',
      message: expect.stringMatching(/namespace changed/),
    });
    await expect(store.release('shared', now + 60_000)).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_STORE' });
    expect(await client.exists(`other-${namespace}::${namespace}:shared`)).toBe(0); // nothing written under the new prefix
    other.namespace = namespace;
    expect(await store.claim('shared', now + 60_000, now)).toBe(false); // the same domain again: the replay is refused
    await store.close();
  });
});

describeWithRedis(
  'RedisClaimStore: a URL store and your own Keyv in one replay domain',
  hasRedisBinaries(),
  'redis-server is not installed',
  () => {
    let server: PrivateRedis;
    usePrivateRedis((started) => {
      server = started;
    });

    it("a Keyv with namespace jwt-once shares the redis:// store's claims; a default Keyv is another domain, visible in redisKey", async () => {
      const url = server.url;
      const own = createClient({ url, disableOfflineQueue: true });
      own.on('error', () => undefined);
      await own.connect();
      try {
        const urlStore = openStore(url) as RedisClaimStore;
        await urlStore.ready();
        const shared = new RedisClaimStore(new Keyv(new KeyvRedis(own), { namespace: 'jwt-once' }));
        const separate = new RedisClaimStore(new Keyv(new KeyvRedis(own)));
        expect(shared.redisKey('')).toBe(urlStore.redisKey(''));
        expect(separate.redisKey('')).not.toBe(urlStore.redisKey(''));
        const now = Date.now();
        expect(await urlStore.claim('k', now + 60_000, now, 'x')).toBe(true);
        expect(await shared.claim('k', now + 60_000, now, 'y')).toBe(false); // one domain: the replay is refused
      } finally {
        await own.close();
      }
    });
  },
);

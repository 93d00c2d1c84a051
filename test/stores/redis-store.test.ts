import { randomUUID } from 'node:crypto';
import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import { createClient } from 'redis';
import { RedisClaimStore } from '../../src/index.js';
import { describeWithRedis, redisAnswers, SHARED_REDIS_URL } from './redis-servers.js';

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

  it('holds a claim for its remaining life by the caller\'s clock, even when Redis\'s clock is far ahead', async () => {
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

  it('writes Keyv\'s value format with the claim\'s absolute expiry', async () => {
    const now = Date.now();
    expect(await store.claim('format', now + 30_000, now)).toBe(true);
    expect(JSON.parse((await client.get(store.redisKey('format')))!)).toEqual({ value: now + 30_000, expires: now + 30_000 });
  });
});

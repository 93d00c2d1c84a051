import KeyvRedis, { createClient, createCluster } from '@keyv/redis';
import Keyv from 'keyv';
import { closeStores, createClaimer, openStore, RedisClaimStore } from '../../../src/index.js';
import { codeOf, failOnUnhandledRejections } from '../../helpers/outcome.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';
import { describeWithRedis, eventually, hasRedisBinaries, PrivateCluster, PrivateRedis, usePrivateRedis } from '../redis-servers.js';

// Issue 9, item 1: a cold store waits for its first connection instead of answering 503.
const binaries = hasRedisBinaries();
const N = 1000;
const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, now: () => NOW + 1000, storeTimeout: 5000 };

/** Claims N fresh tokens at once and counts the outcomes by code. */
async function burst(claim: (token: string) => Promise<unknown>): Promise<Record<string, number>> {
  const tokens = Array.from({ length: N }, () => hsToken());
  const codes = await Promise.all(tokens.map(async (t) => codeOf(claim(t))));
  const counts: Record<string, number> = {};
  for (const code of codes) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}

failOnUnhandledRejections();

describeWithRedis('Redis readiness: a cold store waits for its first connection', binaries, 'redis-server is not installed', () => {
  let server: PrivateRedis;
  usePrivateRedis((started) => {
    server = started;
  });
  afterEach(async () => {
    await closeStores();
  });

  it(`${N} concurrent claims on a cold redis:// URL store all win`, async () => {
    const claim = createClaimer({ ...options, store: `${server.url}/1` });
    expect(await burst(claim)).toEqual({ passed: N });
  });

  it(`${N} concurrent claims on a cold user Keyv (createClient, disableOfflineQueue, not connected) all win`, async () => {
    const client = createClient({ url: server.url, disableOfflineQueue: true });
    client.on('error', () => undefined);
    const keyv = new Keyv(new KeyvRedis(client), { namespace: 'cold-keyv' });
    try {
      expect(client.isOpen).toBe(false);
      const claim = createClaimer({ ...options, store: keyv });
      expect(await burst(claim)).toEqual({ passed: N });
    } finally {
      await client.close().catch(() => client.destroy());
    }
  });

  it(`${N} concurrent claims on a Keyv whose client is still connecting (connect() not awaited) all win`, async () => {
    const client = createClient({ url: server.url, disableOfflineQueue: true });
    client.on('error', () => undefined);
    const connecting = client.connect();
    try {
      expect(client.isOpen).toBe(true);
      expect(client.isReady).toBe(false);
      const claim = createClaimer({ ...options, store: new Keyv(new KeyvRedis(client), { namespace: 'connecting-keyv' }) });
      expect(await burst(claim)).toEqual({ passed: N });
      await connecting;
    } finally {
      await client.close().catch(() => client.destroy());
    }
  });

  it(`a burst of ${N} claims made while ready() is still connecting all win`, async () => {
    const url = `${server.url}/2`;
    const store = openStore(url);
    const ready = store.ready!();
    const claim = createClaimer({ ...options, store: url });
    const counts = await burst(claim);
    await ready;
    expect(counts).toEqual({ passed: N });
  });

  it('a client that was ready and is now reconnecting fails fast (503), and works again once reconnected', async () => {
    const client = createClient({ url: server.url, socket: { reconnectStrategy: () => 200 } }); // an offline queue, on purpose
    client.on('error', () => undefined);
    await client.connect();
    const store = new RedisClaimStore(new Keyv(new KeyvRedis(client), { namespace: 'reconnecting' }));
    try {
      await store.ready();
      const claim = createClaimer({ ...options, store });
      await expect(claim(hsToken())).resolves.toBeDefined();
      await server.kill();
      await eventually(() => !client.isReady, 2000, 'the connection to drop');
      const started = Date.now();
      expect(await codeOf(claim(hsToken()))).toBe('ERR_JWT_ONCE_STORE');
      expect(Date.now() - started).toBeLessThan(100); // not the offline queue, not storeTimeout
      await server.start();
      await eventually(
        async () =>
          store.ready().then(
            () => true,
            () => false,
          ),
        5000,
        'the reconnect',
      ); // made and checked again
      await expect(claim(hsToken())).resolves.toBeDefined();
    } finally {
      await client.close().catch(() => client.destroy());
    }
  });
});

describeWithRedis('Redis readiness: a cold 3-master cluster', binaries, 'redis-server is not installed', () => {
  const cluster = new PrivateCluster();
  beforeAll(async () => {
    await cluster.start();
  }, 60_000);
  afterAll(async () => {
    await cluster.stop();
  });

  it(`${N} concurrent claims on a cold cluster Keyv all win`, async () => {
    const client = createCluster({ rootNodes: cluster.nodes.map((n) => ({ url: n.url })), defaults: { disableOfflineQueue: true } });
    client.on('error', () => undefined);
    try {
      const claim = createClaimer({ ...options, store: new Keyv(new KeyvRedis(client), { namespace: 'cold-cluster' }) });
      expect(await burst(claim)).toEqual({ passed: N });
      expect(client.masters).toHaveLength(3);
    } finally {
      await client.close().catch(() => client.destroy());
    }
  });

  it('waitForReplicas on a cluster sends WAIT to the master that owns the key: with no replicas, 503 and the claim kept', async () => {
    const client = createCluster({ rootNodes: [{ url: cluster.nodes[1]!.url }], defaults: { disableOfflineQueue: true } });
    client.on('error', () => undefined);
    try {
      const store = new RedisClaimStore(new Keyv(new KeyvRedis(client), { namespace: 'cluster-wait' }), {
        waitForReplicas: 1,
        replicaTimeout: 20,
      });
      const now = Date.now();
      const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
      for (const key of keys) {
        await expect(store.claim(key, now + 60_000, now, 'id')).rejects.toThrow(/0 of 1 replicas within 20 ms/);
        expect(await client.exists(store.redisKey(key))).toBe(1); // kept, on whichever master owns it
        expect(await store.claim(key, now + 60_000, now, 'id')).toBe(false);
      }
    } finally {
      await client.close().catch(() => client.destroy());
    }
  });
});

import KeyvRedis, { createCluster } from '@keyv/redis';
import Keyv from 'keyv';
import { claimToken, openStore, RedisClaimStore, resolveStore, StoreError } from '../../../src/index.js';
import { HS_SECRET } from '../../helpers/tokens.js';
import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { waitUntil } from '../../helpers/wait.js';
import { claimStoreContract } from '../contract.js';
import { describeWithRedis, hasRedisBinaries, PrivateCluster, PrivateRedis, usePrivateRedis } from '../redis-servers.js';

const binaries = hasRedisBinaries();
const tokenNow = (): string => {
  const s = Math.floor(Date.now() / 1000);
  return jwt.sign({ iat: s, exp: s + 300, jti: randomUUID() }, HS_SECRET, { algorithm: 'HS256' });
};

describeWithRedis('Redis outage: a private redis-server killed and restarted', binaries, 'redis-server is not installed', () => {
  let server: PrivateRedis;
  usePrivateRedis((started) => {
    server = started;
  });

  it('claims fail with 503 within the timeout while Redis is down, and work again once it is back', async () => {
    const store = openStore(server.url);
    const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, store: server.url };
    await expect(claimToken(tokenNow(), options)).resolves.toBeDefined();

    await server.kill();
    const timings: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      await expect(claimToken(tokenNow(), options)).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_STORE', status: 503 });
      timings.push(Date.now() - started);
    }
    await expect(store.claim('direct', Date.now() + 60_000, Date.now())).rejects.toBeInstanceOf(StoreError);
    expect(Math.max(...timings)).toBeLessThanOrEqual(1100);

    await server.start();
    // Bounded in time and checks, yielding between them: a claim that resolves at once cannot spin.
    await waitUntil(
      () =>
        claimToken(tokenNow(), options).then(
          () => true,
          () => false,
        ),
      { ms: 5000, every: 100, what: 'Redis to be back' },
    );
    const token = tokenNow();
    await expect(claimToken(token, options)).resolves.toBeDefined();
    await expect(claimToken(token, options)).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_REUSED' });
    // eslint-disable-next-line no-console
    console.log(`Redis down: claims refused with 503 in ${timings.join(', ')} ms`);
  });
});

describeWithRedis('Redis Cluster: the contract on a local 3-node cluster', binaries, 'redis-server is not installed', () => {
  const cluster = new PrivateCluster();
  let client: ReturnType<typeof createCluster>;
  claimStoreContract(async () => {
    await cluster.start();
    client = createCluster({
      rootNodes: cluster.nodes.map((n) => ({ url: n.url })),
      defaults: { disableOfflineQueue: true },
    });
    client.on('error', () => undefined);
    await client.connect();
    const keyv = new Keyv(new KeyvRedis(client), { namespace: `jwt-once-test-${randomUUID()}` });
    const store = resolveStore(keyv);
    expect(store).toBeInstanceOf(RedisClaimStore);
    return {
      store,
      injectedClock: false,
      keyv,
      async cleanup() {
        await client.close().catch(() => client.destroy());
        await cluster.stop();
      },
    };
  });
  afterAll(async () => {
    await cluster.stop(); // also when start or the suite failed
  });
});

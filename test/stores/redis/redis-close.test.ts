import KeyvRedis, { createClient } from '@keyv/redis';
import Keyv from 'keyv';
import { closeStores, createClaimer, RedisClaimStore } from '../../../src/index.js';
import { codeOf, failOnUnhandledRejections } from '../../helpers/outcome.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';
import { clientCount, describeWithRedis, eventually, hasRedisBinaries, PrivateRedis, usePrivateRedis } from '../redis-servers.js';

// Issue 9, item 4 (Redis): a closed store refuses every claim and never reconnects.
const binaries = hasRedisBinaries();
const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, now: () => NOW + 1000 };

failOnUnhandledRejections();

describeWithRedis('Redis store shutdown: closed for good', binaries, 'redis-server is not installed', () => {
  let server: PrivateRedis;
  usePrivateRedis((started) => {
    server = started;
  });

  it('after closeStores(), a claimer made earlier gets 503 on every claim, never reconnects, and a second closeStores() leaves nothing open', async () => {
    const claim = createClaimer({ ...options, store: server.url }); // resolves the URL store now, as a server would at start-up
    const served = hsToken();
    await expect(claim(served)).resolves.toBeDefined();
    expect(clientCount(server.port)).toBe(1);

    await closeStores(); // shutdown: keep-alive requests may still arrive on the old claimer
    const late = await Promise.all(Array.from({ length: 100 }, async () => codeOf(claim(hsToken()))));
    expect(new Set(late)).toEqual(new Set(['ERR_JWT_ONCE_STORE']));
    expect(await codeOf(claim(served))).toBe('ERR_JWT_ONCE_STORE'); // a replay is refused too, never passed
    await closeStores();
    expect(clientCount(server.port)).toBe(0);
    expect(await codeOf(claim(hsToken()))).toBe('ERR_JWT_ONCE_STORE');
    expect(clientCount(server.port)).toBe(0);
  });

  it('closing while the first connection is still being made closes it once made: nothing stays open', async () => {
    const url = `${server.url}/3`;
    const claim = createClaimer({ ...options, store: url });
    const pending = Array.from({ length: 50 }, async () => codeOf(claim(hsToken()))); // starts the connection
    await closeStores();
    const codes = await Promise.all(pending);
    expect(codes.every((c) => c === 'ERR_JWT_ONCE_STORE' || c === 'passed')).toBe(true);
    await eventually(() => clientCount(server.port) === 0, 2000, 'the connection to close');
    expect(await codeOf(claim(hsToken()))).toBe('ERR_JWT_ONCE_STORE');
    expect(clientCount(server.port)).toBe(0);
  });

  it('a store on your own Keyv refuses claims once closed and leaves your client open', async () => {
    const client = createClient({ url: server.url, disableOfflineQueue: true });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const store = new RedisClaimStore(new Keyv(new KeyvRedis(client), { namespace: 'closed' }));
      await store.close();
      await store.close(); // twice: nothing more
      expect(await codeOf(createClaimer({ ...options, store })(hsToken()))).toBe('ERR_JWT_ONCE_STORE');
      expect(client.isReady).toBe(true);
    } finally {
      await client.close();
    }
  });
});

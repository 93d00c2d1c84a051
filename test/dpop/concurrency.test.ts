// 1,000 simultaneous presentations of one DPoP proof: exactly one wins, on every store.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import { createClient } from 'redis';
import { createDpopChecker } from '../../src/dpop/index.js';
import { closeStores, MemoryStore, openStore, RedisClaimStore, type ClaimStore } from '../../src/index.js';
import { dpopKey, HTU, signProof } from '../helpers/dpop.js';
import { codeOf, failOnUnhandledRejections } from '../helpers/outcome.js';
import { NOW } from '../helpers/tokens.js';
import { describeWithRedis, redisAnswers, SHARED_REDIS_URL } from '../stores/redis-servers.js';

failOnUnhandledRejections();

const key = dpopKey('ES256');
const PRESENTATIONS = 1000;

/** Presents one proof PRESENTATIONS times at once; counts the outcomes. */
async function raceOneProof(store: ClaimStore): Promise<Record<string, number>> {
  const check = createDpopChecker({ store, now: () => NOW, storeTimeout: 10_000 });
  const proof = signProof(key);
  const outcomes = await Promise.all(Array.from({ length: PRESENTATIONS }, () => codeOf(check(proof, { method: 'POST', url: HTU }))));
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
  return counts;
}

const ONCE = { passed: 1, ERR_JWT_ONCE_DPOP_REUSED: PRESENTATIONS - 1 };

describe('1,000 concurrent presentations of one DPoP proof', () => {
  it('memory store: one passes, 999 are replays', async () => {
    const store = new MemoryStore();
    expect(await raceOneProof(store)).toEqual(ONCE);
    store.close();
  });

  it('SQLite (sqlite:// temp file): one passes, 999 are replays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwt-once-dpop-'));
    try {
      const store = openStore(`sqlite://${join(dir, 'claims.db')}`);
      expect(await raceOneProof(store)).toEqual(ONCE);
    } finally {
      await closeStores();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithRedis(
  '1,000 concurrent presentations of one DPoP proof on Redis',
  redisAnswers(),
  `no Redis answers on ${SHARED_REDIS_URL}`,
  () => {
    const namespace = `jwt-once-test-dpop-${randomUUID()}`;
    const client = createClient({ url: SHARED_REDIS_URL, disableOfflineQueue: true });

    beforeAll(async () => {
      client.on('error', () => undefined);
      await client.connect();
    });
    afterAll(async () => {
      for await (const keys of client.scanIterator({ MATCH: `${namespace}*`, COUNT: 1000 })) {
        if (keys.length > 0) await client.del(keys);
      }
      await client.close();
    });

    it('Redis (own namespace): one passes, 999 are replays', async () => {
      const store = new RedisClaimStore(new Keyv(new KeyvRedis(client), { namespace }));
      expect(await raceOneProof(store)).toEqual(ONCE);
    });
  },
);

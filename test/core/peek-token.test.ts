// Peeking verifies like a claim and reads the store without writing: the
// state a scanner-safe magic link shows on GET.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { createClient } from 'redis';
import {
  closeStores,
  createClaimer,
  createTokenPeeker,
  KeyvMapStore,
  MemoryStore,
  openStore,
  peekToken,
  PostgresClaimStore,
  RedisClaimStore,
  SqliteClaimStore,
  type ClaimOptions,
  type ClaimStore,
} from '../../src/index.js';
import { codeOf, failOnUnhandledRejections } from '../helpers/outcome.js';
import { HS_SECRET, hsToken, NOW, NOW_S } from '../helpers/tokens.js';
import { describeWithPostgres, SHARED_PG_URL, sql, uniqueTable } from '../stores/postgres-servers.js';
import { describeWithRedis, redisAnswers, SHARED_REDIS_URL } from '../stores/redis-servers.js';

failOnUnhandledRejections();

const base = { secret: HS_SECRET, algorithms: ['HS256'] as const, now: () => NOW };

/** Peek twice, claim, peek again; and a claim made after a peek still wins exactly once. */
async function peekThenClaim(store: ClaimStore | string): Promise<void> {
  const options: ClaimOptions = { ...base, store };
  const peek = createTokenPeeker(options);
  const claim = createClaimer(options);
  const token = hsToken({ sub: 'alice@example.com' });
  const first = await peek(token);
  expect(first).toMatchObject({ state: 'unused', payload: { sub: 'alice@example.com' } });
  expect(first.expiresAt.getTime()).toBe((NOW_S + 300) * 1000 + 1000);
  expect((await peek(token)).state).toBe('unused');
  const won = await claim(token);
  expect(won.key).toBe(first.key);
  expect(await codeOf(claim(token))).toBe('ERR_JWT_ONCE_REUSED');
  expect((await peek(token)).state).toBe('used');
}

describe('createTokenPeeker', () => {
  it('memory store: unused, unused, claim, used', async () => {
    const store = new MemoryStore();
    await peekThenClaim(store);
    store.close();
  });

  it('KeyvMapStore: unused, unused, claim, used', async () => {
    await peekThenClaim(new KeyvMapStore(new Keyv()));
  });

  it('SQLite (sqlite:// temp file): unused, unused, claim, used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwt-once-peek-'));
    try {
      await peekThenClaim(openStore(`sqlite://${join(dir, 'claims.db')}`));
    } finally {
      await closeStores();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SqliteClaimStore.isClaimed reads like claim decides: expired rows unused, rows without expiry claimed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwt-once-peek-'));
    const keyv = new Keyv(new KeyvSqlite({ uri: `sqlite://${join(dir, 'claims.db')}` }));
    try {
      const store = new SqliteClaimStore(keyv, { purgeInterval: 0 });
      expect(await store.claim('k', NOW + 1000, NOW)).toBe(true);
      expect(await store.isClaimed('k', NOW + 999)).toBe(true);
      expect(await store.isClaimed('k', NOW + 1000)).toBe(false);
      expect(await store.isClaimed('absent', NOW)).toBe(false);
      await keyv.set('no-expiry', 'kept'); // a foreign row: claim would refuse it, so it reads as claimed
      expect(await store.isClaimed('no-expiry', NOW)).toBe(true);
      expect(await store.claim('no-expiry', NOW + 1000, NOW)).toBe(false);
      await store.close();
    } finally {
      await keyv.disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a store without isClaimed answers unknown, and is never written by a peek', async () => {
    const calls: string[] = [];
    const store: ClaimStore = {
      claim: () => {
        calls.push('claim');
        return true;
      },
      release: () => undefined,
    };
    const peeked = await peekToken(hsToken(), { ...base, store });
    expect(peeked.state).toBe('unknown');
    expect(calls).toEqual([]);
  });

  it('refuses what the claim would refuse, with the same code; runs validate; calls no hooks', async () => {
    const events: string[] = [];
    const options: ClaimOptions = {
      ...base,
      store: new MemoryStore(),
      validate: (payload) => payload.sub !== 'mallory',
      onClaim: () => events.push('claim'),
      onReplay: () => events.push('replay'),
    };
    const peek = createTokenPeeker(options);
    expect(await codeOf(peek(hsToken({}, -1)))).toBe('ERR_JWT_ONCE_EXPIRED');
    expect(await codeOf(peek(hsToken({}, 300, 'another-secret-another-secret-another')))).toBe('ERR_JWT_ONCE_INVALID');
    expect(await codeOf(peek(hsToken({ sub: 'mallory' })))).toBe('ERR_JWT_ONCE_INVALID');
    expect(await codeOf(peek(undefined))).toBe('ERR_JWT_ONCE_MISSING');
    const token = hsToken();
    await createClaimer(options)(token);
    expect((await peek(token)).state).toBe('used');
    expect(events).toEqual(['claim']); // the claimer's hook only
  });

  it('uses the scope: a token used in one scope is unused in another', async () => {
    const options: ClaimOptions = { ...base, store: new MemoryStore() };
    const token = hsToken();
    await createClaimer(options)(token, { scope: 'login' });
    const peek = createTokenPeeker(options);
    expect((await peek(token, { scope: 'login' })).state).toBe('used');
    expect((await peek(token, { scope: 'other' })).state).toBe('unused');
  });

  it('a store whose read fails is a store error (503), never "unused"', async () => {
    const store: ClaimStore = { claim: () => true, release: () => undefined, isClaimed: () => Promise.reject(new Error('down')) };
    expect(await codeOf(peekToken(hsToken(), { ...base, store }))).toBe('ERR_JWT_ONCE_STORE');
  });

  it('MemoryStore.isClaimed follows the injected now: an expired claim reads as unused', () => {
    const store = new MemoryStore();
    expect(store.claim('k', NOW + 1000, NOW)).toBe(true);
    expect(store.isClaimed('k', NOW + 999)).toBe(true);
    expect(store.isClaimed('k', NOW + 1000)).toBe(false);
    store.close();
  });
});

describeWithRedis('createTokenPeeker on Redis', redisAnswers(), `no Redis answers on ${SHARED_REDIS_URL}`, () => {
  const namespace = `jwt-once-test-peek-${randomUUID()}`;
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

  it('Redis (own namespace): unused, unused, claim, used', async () => {
    // Redis expires claims by its own clock: use tokens valid now.
    const store = new RedisClaimStore(new Keyv(new KeyvRedis(client), { namespace }));
    const options: ClaimOptions = { secret: HS_SECRET, algorithms: ['HS256'], store };
    const peek = createTokenPeeker(options);
    const now = Math.floor(Date.now() / 1000);
    const token = hsToken({ iat: now, exp: now + 60 });
    expect((await peek(token)).state).toBe('unused');
    expect((await peek(token)).state).toBe('unused');
    await createClaimer(options)(token);
    expect((await peek(token)).state).toBe('used');
  });
});

describeWithPostgres('createTokenPeeker on PostgreSQL', () => {
  const table = uniqueTable();
  afterAll(async () => {
    await closeStores();
    await sql(`DROP TABLE IF EXISTS ${table}`);
  });

  it('postgres:// (own table): unused, unused, claim, used; an expired row reads as unused', async () => {
    await peekThenClaim(`${SHARED_PG_URL}?table=${table}`);
    // A row whose claim is over reads as unused, as claim would overwrite it.
    const store = openStore(`${SHARED_PG_URL}?table=${table}`) as PostgresClaimStore;
    expect(await store.claim('expired', NOW + 1000, NOW, 'id')).toBe(true);
    expect(await store.isClaimed('expired', NOW + 999)).toBe(true);
    expect(await store.isClaimed('expired', NOW + 1000)).toBe(false);
  });
});

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvPostgres from '@keyv/postgres';
import KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { createClient } from 'redis';
import {
  KeyvLockedStore,
  KeyvMapStore,
  MemoryStore,
  PostgresClaimStore,
  RedisClaimStore,
  resolveStore,
  SqliteClaimStore,
} from '../../src/index.js';
import { claimStoreContract, type OpenClaimStore } from '../../src/testing/index.js';
import { describeWithPostgres, SHARED_PG_URL, sql, uniqueTable } from './postgres-servers.js';
import { describeWithRedis, redisAnswers, SHARED_REDIS_URL } from './redis-servers.js';

/** The published suite (jwt-once/testing), registered with jest's functions. */
const contract = (open: OpenClaimStore): void => claimStoreContract(open, { it, beforeAll, afterAll });

describe('contract: MemoryStore', () => {
  contract(() => {
    const store = new MemoryStore();
    return { store, injectedClock: true, cleanup: () => store.close() };
  });
});

describe('contract: new Keyv() (Map)', () => {
  contract(() => {
    const keyv = new Keyv();
    const store = resolveStore(keyv);
    expect(store).toBeInstanceOf(KeyvMapStore);
    return { store, injectedClock: true, keyv };
  });
});

describe('contract: KeyvLockedStore (get then set under a per-process lock)', () => {
  contract(() => {
    const keyv = new Keyv();
    return { store: new KeyvLockedStore(keyv), injectedClock: true, keyv };
  });
});

describe('contract: SQLite file through @keyv/sqlite', () => {
  contract(() => {
    const dir = mkdtempSync(join(tmpdir(), 'jwt-once-sqlite-'));
    const keyv = new Keyv(new KeyvSqlite({ uri: `sqlite://${join(dir, 'claims.db')}`, busyTimeout: 5000 }));
    const store = resolveStore(keyv);
    expect(store).toBeInstanceOf(SqliteClaimStore);
    return {
      store,
      injectedClock: true,
      keyv,
      async cleanup() {
        await store.close?.();
        await keyv.disconnect();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});

describeWithRedis('contract: Redis through @keyv/redis', redisAnswers(), `no Redis answers on ${SHARED_REDIS_URL}`, () => {
  contract(async () => {
    const namespace = `jwt-once-test-${randomUUID()}`; // our own keys on a shared Redis
    const client = createClient({ url: SHARED_REDIS_URL, disableOfflineQueue: true });
    client.on('error', () => undefined);
    await client.connect();
    const keyv = new Keyv(new KeyvRedis(client), { namespace });
    const store = resolveStore(keyv);
    expect(store).toBeInstanceOf(RedisClaimStore);
    return {
      store,
      injectedClock: false,
      keyv,
      async cleanup() {
        for await (const k of client.scanIterator({ MATCH: `${namespace}*`, COUNT: 1000 })) {
          if (k.length > 0) await client.del(k);
        }
        await client.close();
      },
    };
  });
});

describeWithPostgres('contract: PostgreSQL through @keyv/postgres', () => {
  contract(() => {
    const table = uniqueTable(); // a table of its own, dropped afterwards
    const keyv = new Keyv(new KeyvPostgres({ uri: `${SHARED_PG_URL}?application_name=${table}`, table }), { namespace: 'jwt-once' });
    keyv.on('error', () => undefined);
    const store = resolveStore(keyv);
    expect(store).toBeInstanceOf(PostgresClaimStore);
    return {
      store,
      injectedClock: true,
      keyv,
      async cleanup() {
        await store.close?.();
        await keyv.disconnect();
        await sql(`DROP TABLE IF EXISTS ${table}`);
      },
    };
  });
});

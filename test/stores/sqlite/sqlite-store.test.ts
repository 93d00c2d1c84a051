import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { claimToken, SqliteClaimStore, StoreError } from '../../../src/index.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';

// Another process holds the write lock (two SQLite libraries in one process do not see each other's locks).
const LOCKER = `
const db = new (require('better-sqlite3'))(process.argv[1]);
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });
`;

async function holdWriteLock(file: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', LOCKER, file], { stdio: ['pipe', 'pipe', 'inherit'], cwd: process.cwd() });
  await once(child.stdout!, 'data');
  return child;
}

async function releaseWriteLock(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.stdin!.write('go\n');
  await exited;
}

describe('SqliteClaimStore', () => {
  let dir: string;
  let file: string;
  let keyv: Keyv;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-once-sqlite-'));
    file = join(dir, 'claims.db');
    keyv = new Keyv(new KeyvSqlite({ uri: `sqlite://${file}` }));
  });
  afterEach(async () => {
    await keyv.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('turns on WAL and indexes the expiry', async () => {
    const store = new SqliteClaimStore(keyv);
    await store.ready();
    // Checked on the store's own connection: two SQLite libraries must not open one file in one process.
    const query = (keyv.store as unknown as { query(sql: string): Promise<Array<Record<string, unknown>>> }).query;
    expect(await query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    const plan = await query(
      "EXPLAIN QUERY PLAN SELECT rowid FROM keyv WHERE json_valid(value) AND json_extract(value, '$.expires') <= 1 LIMIT 10",
    );
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/keyv_jwt_once_expires/);
    await store.close();
  });

  it('old-format values in the file refuse their token while unexpired and are claimable after expiry', async () => {
    const store = new SqliteClaimStore(keyv, { purgeInterval: 0 });
    await store.ready();
    const query = (keyv.store as unknown as { query(sql: string, ...p: unknown[]): Promise<unknown> }).query;
    const E = NOW + 60_000;
    // 0.1.0 (no id), the current format, and the text the Redis store wrote before one format.
    const old = { plain: `{"value":${E},"expires":${E}}`, flat: `{"value":"${E}:old","expires":${E}}` };
    const redisText = `{"value":${E},"expires":${E},"id":"old"}`;
    for (const [k, v] of [...Object.entries(old), ['redis', redisText]]) {
      await query('INSERT INTO keyv (key, value) VALUES (?, ?)', `keyv:${k}`, v);
    }
    for (const k of ['plain', 'flat', 'redis']) {
      expect(await store.claim(k, E + 60_000, E - 1, 'new')).toBe(false);
      expect(await store.claim(k, E + 60_000, E, 'new')).toBe(true);
    }
    await store.close();
  });

  it('purges expired rows in batches and keeps live ones and foreign rows', async () => {
    const store = new SqliteClaimStore(keyv, { purgeBatchSize: 7, purgeInterval: 0 });
    for (let i = 0; i < 30; i++) expect(await store.claim(`old${i}`, NOW + 1000, NOW)).toBe(true);
    expect(await store.claim('live', NOW + 10_000, NOW)).toBe(true);
    await keyv.set('no-expiry', 'kept');
    await keyv.store.set('not-json', 'plain text');
    expect(await store.purge(NOW + 5000)).toBe(30);
    expect(await store.claim('live', NOW + 20_000, NOW + 5000)).toBe(false);
    expect(await keyv.get('no-expiry')).toBe('kept');
    // A row that is not Keyv JSON, or has no expiry, is never overwritten by a claim.
    expect(await store.claim('no-expiry', NOW + 1000, NOW)).toBe(false);
    await store.close();
  });

  it('a lock held past the busy timeout is a store error (503), never a pass; then it works again', async () => {
    const store = new SqliteClaimStore(keyv, { busyTimeout: 100 });
    await store.ready();
    const other = await holdWriteLock(file);
    try {
      const started = Date.now();
      await expect(store.claim('k', NOW + 1000, NOW)).rejects.toBeInstanceOf(StoreError);
      expect(Date.now() - started).toBeLessThan(2000);
      const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, store, now: () => NOW };
      await expect(claimToken(hsToken(), options)).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_STORE', status: 503 });
      await releaseWriteLock(other);
      expect(await store.claim('k', NOW + 1000, NOW)).toBe(true);
      expect(await store.claim('k', NOW + 1000, NOW)).toBe(false);
    } finally {
      if (other.exitCode === null) other.kill('SIGKILL');
      await store.close();
    }
  });

  it('refuses a Keyv that is not @keyv/sqlite', () => {
    expect(() => new SqliteClaimStore(new Keyv())).toThrow(/@keyv\/sqlite/);
  });
});

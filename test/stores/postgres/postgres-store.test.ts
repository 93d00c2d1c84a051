import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import KeyvPostgres from '@keyv/postgres';
import Keyv from 'keyv';
import { Client } from 'pg';
import { claimToken, closeStores, ConfigError, openStore, PostgresClaimStore, ReusedTokenError, resolveStore } from '../../../src/index.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';
import { describeWithPostgres, SHARED_PG_URL, sql, uniqueTable } from '../postgres-servers.js';

type Query = (statement: string, values?: unknown[]) => Promise<Array<Record<string, unknown>>>;

/**
 * A Keyv on @keyv/postgres with a table of its own. The adapter keeps one pool
 * per process (replaced when the URI changes), so every test gets its own URI
 * and disconnects (ends that pool) before the next one starts.
 */
function openKeyv(options: Record<string, unknown> = {}): { keyv: Keyv; table: string; query: Query } {
  const table = uniqueTable();
  const adapter = new KeyvPostgres({ uri: `${SHARED_PG_URL}?application_name=${table}`, table, ...options });
  const keyv = new Keyv(adapter, { namespace: 'jwt-once' });
  keyv.on('error', () => undefined);
  return { keyv, table, query: (adapter as unknown as { query: Query }).query.bind(adapter) };
}

const count = async (table: string, schema = 'public'): Promise<number> =>
  Number((await sql(`SELECT count(*)::int AS n FROM ${schema}.${table}`))[0]!.n);

describeWithPostgres('PostgresClaimStore', () => {
  const drops: string[] = [];
  afterEach(async () => {
    for (const statement of drops.splice(0)) await sql(statement);
  });
  afterAll(() => closeStores());

  it('is chosen for a Keyv on @keyv/postgres, honours table and schema, and writes claims keyv.get reads', async () => {
    const schema = `s_${uniqueTable()}`;
    const { keyv, table } = openKeyv({ schema });
    drops.push(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    const store = resolveStore(keyv) as PostgresClaimStore;
    expect(store).toBeInstanceOf(PostgresClaimStore);
    expect(resolveStore(keyv)).toBe(store);
    const expiresAt = Date.now() + 60_000;
    expect(await store.claim('k', expiresAt, Date.now(), 'id-1')).toBe(true);
    expect(await sql(`SELECT key, value FROM ${schema}.${table}`)).toEqual([
      { key: 'jwt-once:k', value: JSON.stringify({ value: `${expiresAt}:id-1`, expires: expiresAt }) },
    ]);
    expect(await keyv.get('k')).toBe(`${expiresAt}:id-1`);
    const indexes = await sql('SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2', [schema, table]);
    expect(indexes.map((r) => r.indexname)).toContain(`${table}_jwt_once_expires`);
    await store.close();
    await keyv.disconnect();
  });

  it('releases only the claim with the same expiry and per-claim id', async () => {
    const { keyv, table } = openKeyv();
    drops.push(`DROP TABLE IF EXISTS ${table}`);
    const store = new PostgresClaimStore(keyv, { purgeInterval: 0 });
    expect(await store.claim('k', NOW + 60_000, NOW, 'first')).toBe(true);
    await store.release('k', NOW + 60_000, 'second'); // another claim's id: kept
    await store.release('k', NOW + 60_000); // no id: kept
    await store.release('k', NOW + 61_000, 'first'); // another expiry: kept
    expect(await store.claim('k', NOW + 60_000, NOW, 'second')).toBe(false);
    await store.release('k', NOW + 60_000, 'first');
    expect(await count(table)).toBe(0);
    expect(await store.claim('k', NOW + 60_000, NOW, 'third')).toBe(true);
    await store.close();
    await keyv.disconnect();
  });

  it('old-format rows refuse their token while unexpired and are claimable after expiry', async () => {
    const { keyv, table } = openKeyv();
    drops.push(`DROP TABLE IF EXISTS ${table}`);
    const store = new PostgresClaimStore(keyv, { purgeInterval: 0 });
    await store.checkSafety();
    const E = NOW + 60_000;
    // Written before this version: without an id, and with one (the only formats this store ever wrote).
    await sql(`INSERT INTO ${table} (key, value) VALUES ($1, $2), ($3, $4)`, [
      'jwt-once:plain',
      `{"value":${E},"expires":${E}}`,
      'jwt-once:flat',
      `{"value":"${E}:old","expires":${E}}`,
    ]);
    for (const k of ['plain', 'flat']) {
      expect(await store.claim(k, E + 60_000, E - 1, 'new')).toBe(false);
      expect(await store.claim(k, E + 60_000, E, 'new')).toBe(true);
    }
    await store.release('flat', E + 60_000, 'new');
    expect(await count(table)).toBe(1);
    await store.close();
    await keyv.disconnect();
  });

  it('a dropped table is a 503 once, then created again', async () => {
    const { keyv, table } = openKeyv();
    drops.push(`DROP TABLE IF EXISTS ${table}`);
    const store = new PostgresClaimStore(keyv, { purgeInterval: 0 });
    expect(await store.claim('a', NOW + 60_000, NOW)).toBe(true);
    await sql(`DROP TABLE ${table}`);
    await expect(store.claim('b', NOW + 60_000, NOW)).rejects.toMatchObject({ status: 503 });
    expect(await store.claim('b', NOW + 60_000, NOW)).toBe(true);
    expect(await store.claim('b', NOW + 60_000, NOW)).toBe(false);
    await store.close();
    await keyv.disconnect();
  });

  it('1,000 concurrent presentations of one token: one winner, 999 replays', async () => {
    const { keyv, table } = openKeyv();
    drops.push(`DROP TABLE IF EXISTS ${table}`);
    const token = hsToken();
    const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, store: keyv, now: () => NOW, storeTimeout: 10_000 };
    const results = await Promise.allSettled(Array.from({ length: 1000 }, () => claimToken(token, options)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof ReusedTokenError)).toHaveLength(999);
    expect(await count(table)).toBe(1);
    await resolveStore(keyv).close?.();
    await keyv.disconnect();
  });

  it('batches concurrent claims into few statements, each claim with its own answer', async () => {
    const { keyv, table, query } = openKeyv();
    drops.push(`DROP TABLE IF EXISTS ${table}`);
    const store = new PostgresClaimStore(keyv, { purgeInterval: 0 });
    await store.ready();
    let statements = 0;
    const adapter = keyv.store as { query: Query };
    adapter.query = (statement, values) => {
      if (statement.startsWith('WITH b(k, v, n)')) statements++;
      return query(statement, values);
    };
    // 1,000 keys claimed twice each, plus an expired claim taken over.
    expect(await store.claim('old', NOW + 10, NOW)).toBe(true);
    const keys = Array.from({ length: 1000 }, (_, i) => `key-${i}`);
    const answers = await Promise.all([...keys, ...keys, 'old'].map((k) => store.claim(k, NOW + 60_000, NOW + 10)));
    expect(answers.filter(Boolean)).toHaveLength(1001);
    expect(keys.filter((_, i) => Number(answers[i]) + Number(answers[i + 1000]) !== 1)).toEqual([]); // each key once
    expect(answers[2000]).toBe(true);
    expect(statements).toBeLessThan(100);
    // eslint-disable-next-line no-console
    console.log(`2,001 concurrent claims in ${statements} statements`);
    await store.close();
    await keyv.disconnect();
  });

  it('claims a replay key longer than the key column under its hash', async () => {
    const { keyv, table } = openKeyv();
    drops.push(`DROP TABLE IF EXISTS ${table}`);
    const store = new PostgresClaimStore(keyv, { purgeInterval: 0 });
    const long = `jti:300:${'i'.repeat(300)}:${'j'.repeat(256)}`;
    expect(await store.claim(long, NOW + 60_000, NOW)).toBe(true);
    expect(await store.claim(long, NOW + 60_000, NOW)).toBe(false);
    expect(await store.claim(`${long}x`, NOW + 60_000, NOW)).toBe(true);
    expect((await sql(`SELECT key FROM ${table}`)).map((r) => String(r.key))).toEqual([
      expect.stringMatching(/^jwt-once:sha256:[\w-]{43}$/),
      expect.stringMatching(/^jwt-once:sha256:[\w-]{43}$/),
    ]);
    await store.close();
    await keyv.disconnect();
  });

  it('purge keeps the table flat under churn and leaves live and foreign rows alone', async () => {
    const { keyv, table } = openKeyv();
    drops.push(`DROP TABLE IF EXISTS ${table}`);
    const store = new PostgresClaimStore(keyv, { purgeInterval: 0, purgeBatchSize: 97 });
    await store.ready();
    await sql(`INSERT INTO ${table} (key, value) VALUES ('jwt-once:plain', 'not json'), ('jwt-once:forever', '{"value":1}')`);
    expect(await store.claim('live', NOW + 3_600_000, NOW)).toBe(true);
    const sizes: number[] = [];
    for (let round = 0; round < 8; round++) {
      const t = NOW + round * 10_000; // injected time: each round's claims expire before the next round
      const answers = await Promise.all(Array.from({ length: 500 }, (_, i) => store.claim(`r${round}-${i}`, t + 5_000, t)));
      expect(answers.every(Boolean)).toBe(true);
      expect(await store.purge(t + 5_000)).toBe(500);
      sizes.push(await count(table));
    }
    expect(sizes).toEqual(new Array(8).fill(3)); // flat: the live claim and the two foreign rows
    expect(await store.claim('live', NOW + 3_600_000, NOW + 90_000)).toBe(false);
    await store.close();
    await keyv.disconnect();
  });

  it('purge never deletes a row a claim took over while the purge waited for it', async () => {
    const { keyv, table } = openKeyv();
    drops.push(`DROP TABLE IF EXISTS ${table}`);
    const store = new PostgresClaimStore(keyv, { purgeInterval: 0 });
    expect(await store.claim('k', NOW + 10, NOW)).toBe(true);
    const taker = new Client({ connectionString: SHARED_PG_URL });
    await taker.connect();
    // Another claim takes the expired row over and has not committed yet.
    const fresh = JSON.stringify({ value: `${NOW + 3_600_000}:other`, expires: NOW + 3_600_000 });
    try {
      await taker.query(`BEGIN; UPDATE ${table} SET value = '${fresh}' WHERE key = 'jwt-once:k'`);
      const purging = store.purge(NOW + 100);
      for (let i = 0; i < 100; i++) {
        const waiting = await sql(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM %'",
        );
        if (Number(waiting[0]!.n) > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await taker.query('COMMIT');
      expect(await purging).toBe(0); // the row it had found expired is live again: kept
      expect(await sql(`SELECT value FROM ${table}`)).toEqual([{ value: fresh }]);
    } finally {
      await taker.end();
    }
    await store.close();
    await keyv.disconnect();
  });

  it('the background purge runs on its timer', async () => {
    const { keyv, table } = openKeyv();
    drops.push(`DROP TABLE IF EXISTS ${table}`);
    const store = new PostgresClaimStore(keyv, { purgeInterval: 20 });
    const past = Date.now() - 1; // the timer purges by the wall clock: these claims are already over
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.claim(`old-${i}`, past, past)));
    expect(await store.claim('live', Date.now() + 60_000, Date.now())).toBe(true);
    for (let i = 0; i < 100 && (await count(table)) > 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await count(table)).toBe(1);
    await store.close();
    await keyv.disconnect();
  });

  it('refuses what it cannot claim on safely, at creation', async () => {
    const unlogged = openKeyv({ useUnloggedTable: true });
    drops.push(`DROP TABLE IF EXISTS ${unlogged.table}`);
    expect(() => resolveStore(unlogged.keyv)).toThrow(/unlogged table loses every claim/);
    await unlogged.keyv.disconnect();
    // A table made UNLOGGED by someone else: every claim refused (503), saying why.
    const unloggedTable = uniqueTable();
    drops.push(`DROP TABLE IF EXISTS ${unloggedTable}`);
    await sql(`CREATE UNLOGGED TABLE ${unloggedTable} (key VARCHAR(255) PRIMARY KEY, value TEXT)`);
    const made = openKeyv({ table: unloggedTable });
    const onUnlogged = new PostgresClaimStore(made.keyv, { purgeInterval: 0 });
    await expect(onUnlogged.claim('k', NOW + 60_000, NOW)).rejects.toMatchObject({
      status: 503,
      message: expect.stringMatching(/UNLOGGED/),
    });
    await made.keyv.disconnect();
    const odd = openKeyv({ table: 'bad-name' });
    expect(() => resolveStore(odd.keyv)).toThrow(ConfigError);
    await odd.keyv.disconnect();
    expect(() => openStore('postgres://u:hunter2@127.0.0.1/test?table=x;drop')).toThrow(/plain identifier/);
    expect(() => openStore('postgres://u:hunter2@[bad/test')).toThrow(ConfigError);
    try {
      openStore('postgres://u:hunter2@[bad/test');
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('hunter2');
    }
  });

  // Issue 16.11: checked again while the store runs, every safetyCheckInterval ms, not only when it opens.
  it('a table altered to UNLOGGED while the store runs: 503 within one safetyCheckInterval; SET LOGGED recovers', async () => {
    const { keyv, table } = openKeyv();
    drops.push(`DROP TABLE IF EXISTS ${table}`);
    const interval = 50;
    const store = new PostgresClaimStore(keyv, { purgeInterval: 0, safetyCheckInterval: interval });
    let n = 0;
    const claimNew = (): Promise<boolean> => store.claim(`k-${++n}`, NOW + 60_000, NOW);
    expect(await claimNew()).toBe(true);
    await sql(`ALTER TABLE ${table} SET UNLOGGED`);
    const altered = Date.now();
    // Claims go on until the next periodic check sees it; bounded well past one interval.
    let refusal: unknown;
    while (refusal === undefined && Date.now() - altered < 2000) {
      refusal = await claimNew().then(
        () => undefined,
        (err: unknown) => err,
      );
      if (refusal === undefined) await new Promise((r) => setTimeout(r, 10));
    }
    expect(refusal).toMatchObject({ status: 503, message: expect.stringMatching(/UNLOGGED/) });
    await expect(claimNew()).rejects.toMatchObject({ status: 503 });
    await expect(store.checkSafety()).rejects.toThrow(/UNLOGGED/);
    await sql(`ALTER TABLE ${table} SET LOGGED`);
    expect(await claimNew()).toBe(true); // each refused claim checked anew: recovered at once
    await expect(store.checkSafety()).resolves.toBeUndefined();
    expect(await store.claim('k-1', NOW + 60_000, NOW)).toBe(false); // the claims made before are still there
    expect(store.safetyCheckInterval).toBe(interval);
    await store.close();
    await keyv.disconnect();
  });

  it("checkSafety() checks at a chosen time; the safety timer is unref'd and stops on close", async () => {
    const { keyv, table } = openKeyv();
    drops.push(`DROP TABLE IF EXISTS ${table}`);
    const setSpy = jest.spyOn(globalThis, 'setInterval');
    const clearSpy = jest.spyOn(globalThis, 'clearInterval');
    try {
      // An interval far longer than the test: only checkSafety() runs the check.
      const store = new PostgresClaimStore(keyv, { purgeInterval: 0, safetyCheckInterval: 3_600_000 });
      await store.checkSafety();
      const call = setSpy.mock.calls.findIndex(([, ms]) => ms === 3_600_000);
      expect(call).toBeGreaterThanOrEqual(0);
      const timer = setSpy.mock.results[call]!.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      expect(await store.claim('a', NOW + 60_000, NOW)).toBe(true);
      await sql(`ALTER TABLE ${table} SET UNLOGGED`);
      expect(await store.claim('b', NOW + 60_000, NOW)).toBe(true); // not checked yet
      await expect(store.checkSafety()).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/UNLOGGED/) });
      await expect(store.claim('c', NOW + 60_000, NOW)).rejects.toMatchObject({ status: 503 });
      await sql(`ALTER TABLE ${table} SET LOGGED`);
      await expect(store.checkSafety()).resolves.toBeUndefined();
      expect(await store.claim('c', NOW + 60_000, NOW)).toBe(true);
      await store.close();
      expect(clearSpy).toHaveBeenCalledWith(timer);
      await expect(store.checkSafety()).rejects.toThrow(/closed/);
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
      await keyv.disconnect();
    }
  });

  it('postgres:// and postgresql:// URLs: cached per URL, ?table= and ?schema= honoured, end to end', async () => {
    const table = uniqueTable();
    drops.push(`DROP TABLE IF EXISTS ${table}`);
    const url = `${SHARED_PG_URL.replace(/^postgres:/, 'postgresql:')}?table=${table}`;
    const store = openStore(url);
    expect(store).toBeInstanceOf(PostgresClaimStore);
    expect(openStore(url)).toBe(store);
    const token = hsToken();
    const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, store: url, now: () => NOW };
    const claim = await claimToken(token, options);
    expect(await sql(`SELECT key FROM ${table}`)).toEqual([{ key: `jwt-once:${claim.key}` }]);
    await expect(claimToken(token, options)).rejects.toBeInstanceOf(ReusedTokenError);
    await closeStores();
  });

  it("a URL store never keeps the process alive (unref'd purge timer, idle pool)", async () => {
    const table = uniqueTable();
    drops.push(`DROP TABLE IF EXISTS ${table}`);
    const script = `
      const { openStore } = require('./src/index.ts');
      const store = openStore(process.argv[1]);
      store.claim('k', Date.now() + 60000, Date.now()).then((won) => console.log(String(won)));`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, `${SHARED_PG_URL}?table=${table}`], {
      cwd: join(__dirname, '..', '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += String(d)));
    const started = Date.now();
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    expect(out.trim()).toBe('true');
    expect(code).toBe(0); // exited by itself, with the store never closed
    expect(Date.now() - started).toBeLessThan(25_000);
  });
});

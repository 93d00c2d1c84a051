import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import KeyvPostgres from '@keyv/postgres';
import express from 'express';
import { jwtOnce } from '../../../adapters/express/index.js';
import Keyv from 'keyv';
import { Client } from 'pg';
import { claimToken, closeStores, openStore, PostgresClaimStore, ReusedTokenError, StoreError } from '../../../src/index.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';
import { freePort } from '../redis-servers.js';
import { describeWithPostgres, hasPostgresBinaries, PrivatePostgres, SHARED_PG_URL, sql, uniqueTable } from '../postgres-servers.js';

type Outcome = { status: number | 'passed'; ms: number };

/** Presents `token` once; the outcome and how long it took. */
async function present(token: string, store: unknown, storeTimeout = 1000): Promise<Outcome> {
  const started = Date.now();
  const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, store: store as string, now: () => NOW, storeTimeout };
  return claimToken(token, options).then(
    () => ({ status: 'passed' as const, ms: Date.now() - started }),
    (err: unknown) => {
      if (err instanceof ReusedTokenError) return { status: 401, ms: Date.now() - started };
      if (err instanceof StoreError) return { status: err.status, ms: Date.now() - started };
      throw err;
    },
  );
}

/** Polls `check` (bounded: 100 x 50 ms) until it holds. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met within 5 s');
}

const rows = async (table: string, url = SHARED_PG_URL): Promise<number> =>
  Number((await sql(`SELECT count(*)::int AS n FROM ${table}`, [], url))[0]!.n);

describe('PostgreSQL store: an unreachable server', () => {
  afterAll(() => closeStores());

  it('is a 503 within 3 s, never a pass, and stays one', async () => {
    const url = 'postgres://postgres@127.0.0.1:1/test';
    for (let i = 0; i < 3; i++) {
      const outcome = await present(hsToken(), url);
      expect(outcome.status).toBe(503);
      expect(outcome.ms).toBeLessThan(3000);
    }
  });

  it('over HTTP (Express): 503 with the store code, within 3 s, naming neither host nor password', async () => {
    const app = express();
    const store = 'postgres://app:hunter2@127.0.0.1:1/test';
    app.post('/claim', jwtOnce({ secret: HS_SECRET, algorithms: ['HS256'], store, now: () => NOW }), (_req, res) => {
      res.json({ ok: true });
    });
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/claim`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hsToken()}` },
      });
      const body = await res.text();
      expect(Date.now() - started).toBeLessThan(3000);
      expect(res.status).toBe(503);
      expect(body).toContain('ERR_JWT_ONCE_STORE');
      expect(body).not.toMatch(/hunter2|127\.0\.0\.1|postgres/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describeWithPostgres('PostgreSQL store: fails closed, then recovers', () => {
  const drops: string[] = [];
  afterEach(async () => {
    await closeStores();
    for (const statement of drops.splice(0)) await sql(statement);
  });

  it('an exhausted pool: 503 within storeTimeout; the late win is released, then the token passes', async () => {
    const table = uniqueTable();
    drops.push(`DROP TABLE IF EXISTS ${table}`);
    const keyv = new Keyv(new KeyvPostgres({ uri: `${SHARED_PG_URL}?application_name=${table}`, table, max: 1 }), {
      namespace: 'jwt-once',
    });
    keyv.on('error', () => undefined);
    const store = new PostgresClaimStore(keyv, { purgeInterval: 0 });
    await store.ready();
    const adapter = keyv.store as unknown as { query(sql: string): Promise<unknown> };
    const busy = adapter.query('SELECT pg_sleep(2)'); // the pool's only connection, for 2 s
    const token = hsToken();
    const outcome = await present(token, store, 200);
    expect(outcome.status).toBe(503);
    expect(outcome.ms).toBeLessThan(1800); // storeTimeout (200 ms) plus a loaded machine, well before the connection is free
    await busy;
    // The claim ran once the connection was free, won, and was released by its per-claim id.
    await eventually(async () => (await rows(table)) === 0);
    expect((await present(token, store)).status).toBe('passed');
    expect((await present(token, store)).status).toBe(401);
    await keyv.disconnect();
  });

  it('a statement that outlives statement_timeout (table locked): 503, nothing claimed, then it passes', async () => {
    const table = uniqueTable();
    drops.push(`DROP TABLE IF EXISTS ${table}`);
    const url = `${SHARED_PG_URL}?table=${table}&statement_timeout=300`;
    const store = openStore(url) as PostgresClaimStore;
    await store.ready();
    const locker = new Client({ connectionString: SHARED_PG_URL });
    await locker.connect();
    try {
      await locker.query(`BEGIN; LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
      const token = hsToken();
      const outcome = await present(token, url, 5000);
      expect(outcome.status).toBe(503); // cancelled by the server at 300 ms, long before storeTimeout (5 s)
      expect(outcome.ms).toBeLessThan(4000);
      await locker.query('COMMIT');
      expect(await rows(table)).toBe(0);
      expect((await present(token, url)).status).toBe('passed');
    } finally {
      await locker.end();
    }
  });
});

const hasBinaries = hasPostgresBinaries();
describeWithPostgres(
  'PostgreSQL store: a server that goes down and comes back',
  () => {
    let server: PrivatePostgres;
    beforeAll(async () => {
      server = new PrivatePostgres(await freePort());
      await server.start();
    }, 90_000);
    afterAll(async () => {
      await closeStores();
      await server?.stop();
    });

    it('503 while it is down, within storeTimeout; by itself afterwards, with every claim made before still held', async () => {
      const url = `${server.url}?table=claims`;
      const before = hsToken();
      expect((await present(before, url)).status).toBe('passed');

      await server.kill(); // immediate shutdown: the pool's connections die with it
      const down = await Promise.all(Array.from({ length: 20 }, () => present(hsToken(), url, 500)));
      expect(down.map((o) => o.status)).toEqual(new Array(20).fill(503));
      expect(Math.max(...down.map((o) => o.ms))).toBeLessThan(2000); // storeTimeout 500 ms, on a loaded machine

      await server.start(); // crash recovery; the same store, never reopened
      let back: Outcome | undefined;
      for (let i = 0; i < 50 && back?.status !== 'passed'; i++) {
        back = await present(hsToken(), url);
        if (back.status !== 'passed') await new Promise((r) => setTimeout(r, 100));
      }
      expect(back?.status).toBe('passed');
      expect((await present(before, url)).status).toBe(401); // committed before the crash: still claimed
    }, 90_000);
  },
  hasBinaries,
  hasBinaries ? undefined : 'initdb and postgres are not on the PATH (a private server is started for this test)',
);

// Scenario 6: PostgreSQL. claimToken on a postgres:// URL store (64 in
// flight) vs the work nobody can avoid, done by hand in the same run on a
// pool of the same size (10): jsonwebtoken.verify (KeyObject) + one raw
// `INSERT ... ON CONFLICT DO NOTHING RETURNING` per token. Also, for the
// record, a PostgresClaimStore on that pool with batching off (one statement
// per claim, as many at once as the pool has connections). Tables are unique
// to the run and dropped.
import { createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { compare, interleave, log, pick, printMedians, rate, signTokens, skip, storeRates } from './harness.js';
import { inFlight } from './redis.js';

const SCENARIO = 'postgres';
const BAR = 0.5;
const URL = process.env.JWT_ONCE_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECRET = 'a-string-secret-a-user-would-paste-in-here-32+chars';

type Query = (sql: string, values?: unknown[]) => Promise<Array<Record<string, unknown>>>;

export async function runPostgres(): Promise<void> {
  log(
    `\n## 6. PostgreSQL: claimToken on postgres:// vs verify + raw INSERT ... ON CONFLICT DO NOTHING RETURNING, same pool (bar >= ${BAR}x, 64 in flight)`,
  );
  const { createClaimer, openStore, closeStores, PostgresClaimStore } = await import('../src/index.js');
  const suffix = `${process.pid}_${Date.now().toString(36)}`;
  const table = `jwt_once_bench_${suffix}`;
  const rawTable = `jwt_once_bench_raw_${suffix}`;
  const url = `${URL}${URL.includes('?') ? '&' : '?'}table=${table}`;
  const store = openStore(url) as InstanceType<typeof PostgresClaimStore>;
  let query: Query | undefined;
  let disconnect: (() => Promise<void>) | undefined;
  try {
    try {
      await store.ready();
    } catch (err) {
      skip(
        SCENARIO,
        `PostgreSQL at ${URL.replace(/\/\/[^@]*@/, '//')} is unreachable: ${err instanceof Error ? String(err.cause ?? err.message) : String(err)}`,
      );
      return;
    }
    // The baseline's own pool, as large as the URL store's (10): a Keyv the bench opens on the same table.
    const { default: Keyv } = await import('keyv');
    const { default: KeyvPostgres } = await import('@keyv/postgres');
    const adapter = new KeyvPostgres({ uri: URL, table, max: 10 });
    const keyv = new Keyv(adapter, { namespace: 'jwt-once' });
    disconnect = () => adapter.disconnect();
    query = adapter.query.bind(adapter) as Query;
    await query(`CREATE TABLE ${rawTable} (key VARCHAR(255) PRIMARY KEY, value TEXT)`);
    const insert = `INSERT INTO ${rawTable} (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING key`;

    const key = createSecretKey(Buffer.from(SECRET, 'utf8'));
    const verifyOptions = { algorithms: ['HS256'] as jwt.Algorithm[] };
    const raw = async (token: string): Promise<void> => {
      const payload = jwt.verify(token, key, verifyOptions) as jwt.JwtPayload;
      const rows = await query!(insert, [token.slice(token.indexOf('.') + 1, token.lastIndexOf('.')).slice(-200), String(payload.exp)]);
      if (rows.length !== 1) throw new Error('raw INSERT refused a fresh key');
    };
    const claim = createClaimer({ secret: SECRET, algorithms: ['HS256'], store: url });
    // Batching off, on the bench's Keyv (same table, its pool of 10): one claim per statement, 10 at once.
    const unbatched = createClaimer({
      secret: SECRET,
      algorithms: ['HS256'],
      store: new PostgresClaimStore(keyv, { maxBatchSize: 1, maxConcurrentStatements: 10, purgeInterval: 0 }),
    });

    const batch = pick(2_000, 5_000);
    const concurrency = 64;
    const sample = (work: (token: string) => Promise<unknown>) => () => {
      const tokens = signTokens(batch, key, 'HS256');
      return rate(batch, () => inFlight(tokens, concurrency, work));
    };
    const results = await interleave(
      [
        { name: 'verify + raw INSERT', sample: sample(raw) },
        { name: 'claimToken (postgres://)', sample: sample((t) => claim(t)) },
        { name: 'claimToken, batching off', sample: sample((t) => unbatched(t)) },
      ],
      pick(3, 5),
    );
    printMedians(`${concurrency} in flight`, results, 'claims/s');
    const ours = results.get('claimToken (postgres://)')!.median;
    const baseline = results.get('verify + raw INSERT')!.median;
    compare(
      SCENARIO,
      `claimToken on postgres://, ${concurrency} in flight`,
      ours,
      'verify + raw INSERT ON CONFLICT DO NOTHING RETURNING',
      baseline,
      BAR,
      'claims/s',
    );
    compare(
      SCENARIO,
      `same store, batching off (maxBatchSize 1), ${concurrency} in flight`,
      results.get('claimToken, batching off')!.median,
      'verify + raw INSERT ON CONFLICT DO NOTHING RETURNING',
      baseline,
      undefined,
      'claims/s',
    );
    storeRates.push({ store: `PostgreSQL (${concurrency} in flight)`, rate: ours });
  } finally {
    if (query !== undefined) {
      for (const t of [table, rawTable]) await query(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
      log(`  dropped ${table} and ${rawTable}`);
    }
    await closeStores();
    await disconnect?.().catch(() => undefined);
  }
}

// Scenario 3: SQLite. claimToken on a SQLite file (the sqlite:// store, many
// claims in flight) vs the fastest raw insert-if-absent this machine does from
// Node, measured in the same run: jsonwebtoken.verify (KeyObject) + one
// better-sqlite3 statement per claim, WAL, synchronous=NORMAL.
import { createSecretKey } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { compare, interleave, log, pick, printMedians, rate, signTokens, skip, storeRates } from './harness.js';
import { inFlight } from './redis.js';

const SCENARIO = 'sqlite';
const BAR = 0.5;
const SECRET = 'a-string-secret-a-user-would-paste-in-here-32+chars';

export async function runSqlite(): Promise<void> {
  log(`\n## 3. SQLite: claimToken vs verify + better-sqlite3 insert-if-absent (bar >= ${BAR}x with many in flight)`);
  if (!existsSync(join(__dirname, '../src/stores/sqlite/sqlite-store.ts'))) {
    skip(SCENARIO, 'src/stores/sqlite/sqlite-store.ts does not exist yet');
    return;
  }
  const { default: Database } = await import('better-sqlite3');
  const { createClaimer, closeStores } = await import('../src/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'jwt-once-bench-'));
  const db = new Database(join(dir, 'raw.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE claims (key TEXT PRIMARY KEY, expires INTEGER NOT NULL) WITHOUT ROWID');
    // Insert, or take over an expired row; a live row is left alone (changes = 0).
    const insert = db.prepare(
      'INSERT INTO claims (key, expires) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET expires = excluded.expires WHERE claims.expires <= ?',
    );
    const key = createSecretKey(Buffer.from(SECRET, 'utf8'));
    const verifyOptions = { algorithms: ['HS256'] as jwt.Algorithm[] };
    const raw = (token: string): void => {
      const payload = jwt.verify(token, key, verifyOptions) as jwt.JwtPayload;
      const now = Date.now();
      if (insert.run(token.slice(0, token.lastIndexOf('.')), payload.exp! * 1000 + 1000, now).changes !== 1) {
        throw new Error('raw insert refused a fresh key');
      }
    };
    const claim = createClaimer({ secret: SECRET, algorithms: ['HS256'], store: `sqlite://${join(dir, 'jwt-once.db')}` });
    const batch = pick(3_000, 8_000);
    const concurrency = 64;
    const results = await interleave(
      [
        {
          name: 'verify + better-sqlite3 insert',
          sample: () => {
            const t = signTokens(batch, key, 'HS256');
            return rate(batch, () => {
              for (const token of t) raw(token);
            });
          },
        },
        {
          name: 'claimToken (sqlite://)',
          sample: () => {
            const t = signTokens(batch, key, 'HS256');
            return rate(batch, () => inFlight(t, concurrency, (token) => claim(token)));
          },
        },
      ],
      pick(3, 7),
    );
    printMedians(`${concurrency} in flight`, results, 'claims/s');
    const ours = results.get('claimToken (sqlite://)')!.median;
    compare(
      SCENARIO,
      `claimToken on sqlite://, ${concurrency} in flight`,
      ours,
      'verify + better-sqlite3 WAL insert',
      results.get('verify + better-sqlite3 insert')!.median,
      BAR,
      'claims/s',
    );
    storeRates.push({ store: `SQLite (${concurrency} in flight)`, rate: ours });
  } finally {
    db.close();
    await closeStores();
    rmSync(dir, { recursive: true, force: true });
  }
}

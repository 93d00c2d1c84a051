import type { SqliteConnection } from './connection.js';

/** A claim waiting for the next transaction of the SQLite claim store. */
export interface PendingClaim {
  /** The row key (Keyv's prefix included). */
  key: string;
  /** The row value: Keyv JSON with the expiry and the per-claim id. */
  value: string;
  now: number;
  resolve(won: boolean): void;
  reject(err: unknown): void;
}

/**
 * The claims for one transaction: at most `max`, each key once. A repeated
 * key waits for the next transaction, so it sees this one's row.
 */
export function takeBatch(pending: PendingClaim[], max: number): { batch: PendingClaim[]; rest: PendingClaim[] } {
  const batch: PendingClaim[] = [];
  const keys = new Set<string>();
  const rest: PendingClaim[] = [];
  for (const item of pending) {
    if (batch.length < max && !keys.has(item.key)) {
      keys.add(item.key);
      batch.push(item);
    } else {
      rest.push(item);
    }
  }
  return { batch, rest };
}

/**
 * Writes `batch` in one `BEGIN IMMEDIATE ... COMMIT`: each key is inserted,
 * or replaces a row whose Keyv expiry has passed by that claim's own `now`.
 * @returns the keys that won (a row came back for them and the commit succeeded).
 * @throws the SQLite error, after a rollback.
 */
export async function writeBatch(conn: SqliteConnection, table: string, batch: PendingClaim[]): Promise<Set<unknown>> {
  const t = table;
  const rows = batch.map(() => '(?, ?, ?)').join(', ');
  const params = batch.flatMap((c) => [c.key, c.value, c.now]);
  // excluded.key finds this row's own `now`, so each claim judges expiry by its own clock.
  const sql =
    `WITH batch(k, v, n) AS (VALUES ${rows}) ` +
    `INSERT INTO ${t}(key, value) SELECT k, v FROM batch WHERE true ` +
    `ON CONFLICT(key) DO UPDATE SET value = excluded.value ` +
    `WHERE json_valid(${t}.value) AND json_extract(${t}.value, '$.expires') <= (SELECT n FROM batch WHERE k = excluded.key) ` +
    `RETURNING key`;
  await conn.query('BEGIN IMMEDIATE');
  try {
    const returned = await conn.query(sql, ...params);
    await conn.query('COMMIT');
    return new Set(returned.map((r) => r.key));
  } catch (err) {
    await conn.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

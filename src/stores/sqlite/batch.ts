import type { PendingClaim } from '../pending-claims.js';
import type { SqliteConnection } from './connection.js';

/**
 * Writes `batch` in one `BEGIN IMMEDIATE ... COMMIT`: each key is inserted,
 * or replaces a row whose Keyv expiry has passed by that claim's own `now`.
 * @example
 * const won = await writeBatch(conn, 'keyv', queue.take(256).claims);
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

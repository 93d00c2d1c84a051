import { createHash } from 'node:crypto';
import { ConfigError } from '../../errors.js';

/**
 * The statements of the PostgreSQL claim store, on the table a
 * `@keyv/postgres` 2 adapter writes (`key VARCHAR(keySize) PRIMARY KEY,
 * value TEXT`), in Keyv's own value format.
 */

/**
 * The Keyv expiry of a row, read without parsing JSON (a row that is not JSON
 * must not make a claim fail): Keyv writes `expires` last, so it is the
 * number right before the closing brace of the outer object. NULL for rows
 * without one (never expire), and at most 15 digits so the cast never fails.
 * Immutable, so it can be indexed.
 * @example
 * `SELECT key FROM keyv WHERE ${expiryOf('value')} <= $1`
 */
function expiryOf(column: string): string {
  return `(substring(${column} from '[{,]"expires":(\\d{1,15})\\}$')::bigint)`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * `schema.table` as `@keyv/postgres` 2 names it (unquoted). Only plain
 * identifiers are accepted: the adapter interpolates them as they are.
 * @throws {ConfigError} naming the schema or table that is not a plain identifier.
 * @example
 * qualifiedTable('public', 'keyv') // 'public.keyv'
 */
export function qualifiedTable(schema: unknown, table: unknown): string {
  for (const [what, name] of [
    ['schema', schema],
    ['table', table],
  ] as const) {
    if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
      throw new ConfigError(
        `PostgresClaimStore: the Keyv ${what} must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*, at most 63 characters)`,
      );
    }
  }
  return `${String(schema)}.${String(table)}`;
}

/** The statements for one table. */
export interface PostgresStatements {
  /** Creates what the store needs if missing: schema, table (as the adapter would), expiry index. */
  setup: string[];
  /**
   * Claims many keys at once: $1 keys (sorted, distinct), $2 values, $3 each
   * claim's `now`. Returns the keys won: inserted, or an expired claim replaced.
   */
  claim: string;
  /** Compare-and-delete: $1 key, $2 the exact value the claim wrote. */
  release: string;
  /** Deletes up to $2 rows whose Keyv expiry is at or before $1; returns one row per deletion. */
  purge: string;
  /** One row, `live`, when key $1 holds a claim not expired at $2 (a row without an expiry counts as live). */
  isClaimed: string;
  /** One row, `unlogged`: true when the table is UNLOGGED (a crash empties it). */
  persistence: string;
}

/**
 * Builds the statements for `schema.table`, with the column size and logging the adapter uses.
 * @example
 * const { claim } = postgresStatements('public', 'keyv', 255, false);
 * await query(claim, [['jwt-once:k'], [claimJson(exp, id)], [now]]);
 */
export function postgresStatements(schema: string, table: string, keySize: number, unlogged: boolean): PostgresStatements {
  const t = qualifiedTable(schema, table);
  const index = `${table.slice(0, 40)}_jwt_once_expires`;
  const setup = [
    ...(schema === 'public' ? [] : [`CREATE SCHEMA IF NOT EXISTS ${schema}`]),
    `CREATE${unlogged ? ' UNLOGGED ' : ' '}TABLE IF NOT EXISTS ${t}(key VARCHAR(${keySize}) PRIMARY KEY, value TEXT )`,
    `CREATE INDEX IF NOT EXISTS ${index} ON ${t} (${expiryOf('value')})`,
  ];
  // Each conflicting row is judged by its own claim's clock (the subquery finds it by key).
  const claim =
    `WITH b(k, v, n) AS (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])) ` +
    `INSERT INTO ${t} AS c (key, value) SELECT k, v FROM b ` +
    `ON CONFLICT (key) DO UPDATE SET value = excluded.value ` +
    `WHERE ${expiryOf('c.value')} <= (SELECT n FROM b WHERE b.k = excluded.key) ` +
    `RETURNING c.key`;
  const release = `DELETE FROM ${t} WHERE key = $1 AND value = $2`;
  // The expiry is checked again on the row deleted: a row a claim took over
  // after the subquery read it is live again and stays.
  const purge =
    `DELETE FROM ${t} WHERE key IN (SELECT key FROM ${t} WHERE ${expiryOf('value')} <= $1 ` +
    `ORDER BY ${expiryOf('value')} LIMIT $2) AND ${expiryOf('value')} <= $1 RETURNING 1`;
  const persistence = `SELECT relpersistence = 'u' AS unlogged FROM pg_class WHERE oid = '${t}'::regclass`;
  const isClaimed = `SELECT 1 AS live FROM ${t} WHERE key = $1 AND (${expiryOf('value')} IS NULL OR ${expiryOf('value')} > $2)`;
  return { setup, claim, release, purge, persistence, isClaimed };
}

/**
 * The row key for a Keyv key: as is when it fits the key column, otherwise
 * `<namespace>:sha256:<base64url>` of it, so a long replay key (a long `iss`
 * and `jti`) is still claimed rather than refused by the column size.
 * @example
 * fitKey('jwt-once:' + 'x'.repeat(300), 'jwt-once:', 255) // 'jwt-once:sha256:<43 characters>'
 */
export function fitKey(rowKey: string, namespacePrefix: string, keySize: number): string {
  if (rowKey.length <= keySize) return rowKey;
  return `${namespacePrefix}sha256:${createHash('sha256').update(rowKey).digest('base64url')}`;
}

/**
 * SQLSTATEs of a concurrent `CREATE ... IF NOT EXISTS` that lost a race: harmless.
 * @example
 * await query(createTable).catch((err) => { if (!isCreateRace(err)) throw err; });
 */
export function isCreateRace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === '42P07' || code === '42P06' || code === '42710';
}

import { loadPeer, namedExport } from '../stores/optional-peer.js';
import { openStore } from '../stores/resolve-store.js';
import { UnreachableError, type Finding } from './finding.js';
import { describeError, maskUrl } from './redact.js';
import { roundTrip, throwawayKey } from './round-trip.js';

interface PgClient {
  connect(): Promise<unknown>;
  query(sql: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  on(event: 'error', listener: () => void): unknown;
  end(): Promise<void>;
}

/** Offsets up to this many ms pass. */
const CLOCK_TOLERANCE_MS = 1000;

/** `schema`, `table` and the connection string (without them) of a `postgres://` store URL. */
function target(url: string): { schema: string; table: string; connectionString: string } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? 'public';
  const table = parsed.searchParams.get('table') ?? 'keyv';
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('table');
  return { schema, table, connectionString: parsed.href };
}

async function one(client: PgClient, sql: string, values?: unknown[]): Promise<Record<string, unknown> | undefined> {
  return (await client.query(sql, values)).rows[0];
}

/**
 * Every PostgreSQL check: the server is a primary, the claim table is LOGGED
 * (or can be created), commits are durable (`synchronous_commit`, `fsync`),
 * standbys are synchronous, the clock agrees; then a claim, a replay and a
 * release through the URL store (`openStore`, as the app's `store` option) on a throwaway key.
 *
 * @throws {UnreachableError} when no connection can be made (exit status 2).
 * @example
 * const findings = await checkPostgres('postgres://app:pass@db:5432/app?table=jwt_once', 5000);
 */
export async function checkPostgres(url: string, timeout: number): Promise<Finding[]> {
  const masked = maskUrl(url);
  const { schema, table, connectionString } = target(url);
  const qualified = `${schema}.${table}`;
  const pg = await loadPeer('pg', masked, '@keyv/postgres pg');
  const Client = namedExport<new (options: object) => PgClient>(pg, 'Client');
  const client = new Client({ connectionString, connectionTimeoutMillis: timeout, statement_timeout: timeout, query_timeout: timeout });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new UnreachableError(
      `cannot connect to ${masked}: ${describeError(err)}`,
      'check that PostgreSQL runs and answers on that host and port, and the user, password, database and sslmode of the URL',
    );
  }
  const findings: Finding[] = [];
  try {
    const standby = (await one(client, 'SELECT pg_is_in_recovery() AS standby'))?.standby === true;
    if (standby)
      findings.push({
        check: 'role',
        status: 'fail',
        found: 'a standby (read-only): every claim fails',
        fix: 'point the store URL at the primary',
      });
    const row = await one(
      client,
      `SELECT c.relpersistence AS persistence, has_table_privilege(c.oid, 'SELECT,INSERT,UPDATE,DELETE') AS writable
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
      [schema, table],
    );
    const tableState = row === undefined ? 'missing' : row.persistence === 'u' ? 'unlogged' : 'logged';
    findings.push(await tableFinding(client, tableState, qualified, schema, row?.writable === true));
    findings.push(await durabilityFinding(client));
    findings.push(await standbyFinding(client));
    findings.push(await clockFinding(client));
    if (tableState === 'missing')
      findings.push({
        check: 'round-trip',
        status: 'skip',
        found: `not run: it would create ${qualified}; the store creates it on its first claim`,
      });
    else if (tableState === 'unlogged')
      findings.push({
        check: 'round-trip',
        status: 'skip',
        found: 'not run: the store refuses every claim (503) while the table is UNLOGGED',
      });
    else {
      const store = openStore(url);
      try {
        findings.push(await roundTrip(store, throwawayKey(), timeout));
      } finally {
        await store.close?.();
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
  return findings;
}

async function tableFinding(
  client: PgClient,
  state: 'missing' | 'unlogged' | 'logged',
  qualified: string,
  schema: string,
  writable: boolean,
): Promise<Finding> {
  if (state === 'unlogged')
    return {
      check: 'table',
      status: 'fail',
      found: `${qualified} is UNLOGGED: a PostgreSQL crash empties it (jwt-once refuses every claim on it: 503)`,
      fix: `ALTER TABLE ${qualified} SET LOGGED`,
    };
  if (state === 'logged')
    return writable
      ? { check: 'table', status: 'pass', found: `${qualified} is LOGGED: a crash keeps every committed claim` }
      : {
          check: 'table',
          status: 'fail',
          found: `${qualified} is LOGGED, but this user may not SELECT, INSERT, UPDATE and DELETE on it: every claim fails`,
          fix: `GRANT SELECT, INSERT, UPDATE, DELETE ON ${qualified} TO <the URL's user>`,
        };
  const canCreate = (await one(client, `SELECT has_schema_privilege($1, 'CREATE') AS ok`, [schema]).catch(() => undefined))?.ok === true;
  return canCreate
    ? { check: 'table', status: 'pass', found: `${qualified} does not exist yet; the store creates it (LOGGED) on its first claim` }
    : {
        check: 'table',
        status: 'fail',
        found: `${qualified} does not exist, and this user may not create it in schema ${schema}: every claim fails`,
        fix: `create it as the owner, or GRANT CREATE ON SCHEMA ${schema} TO <the URL's user>`,
      };
}

async function durabilityFinding(client: PgClient): Promise<Finding> {
  const row = await one(client, "SELECT current_setting('synchronous_commit') AS sc, current_setting('fsync') AS fsync");
  const sc = String(row?.sc);
  const fsync = String(row?.fsync);
  const found = `synchronous_commit ${sc}, fsync ${fsync}`;
  if (fsync === 'off')
    return {
      check: 'durability',
      status: 'warn',
      found: `${found}: a machine crash can lose (or corrupt) committed claims`,
      fix: 'fsync = on in postgresql.conf',
    };
  if (sc === 'off')
    return {
      check: 'durability',
      status: 'warn',
      found: `${found}: a claim is answered before it reaches the WAL on disk; a crash can lose the last ~0.6 s of claims`,
      fix: "ALTER ROLE <the URL's user> SET synchronous_commit = on (or in postgresql.conf)",
    };
  return { check: 'durability', status: 'pass', found: `${found}: a claim is answered once it is on disk` };
}

async function standbyFinding(client: PgClient): Promise<Finding> {
  const names = String((await one(client, "SELECT current_setting('synchronous_standby_names') AS n"))?.n ?? '');
  const sc = String((await one(client, "SELECT current_setting('synchronous_commit') AS sc"))?.sc ?? '');
  let rows: Array<Record<string, unknown>>;
  try {
    rows = (await client.query('SELECT application_name, state, sync_state FROM pg_stat_replication')).rows;
  } catch (err) {
    return {
      check: 'standbys',
      status: 'unknown',
      found: `cannot read pg_stat_replication (${describeError(err)})`,
      fix: "GRANT pg_monitor TO <the URL's user>",
    };
  }
  if (rows.length === 0)
    return {
      check: 'standbys',
      status: 'pass',
      found: `none streaming from this server${names === '' ? '' : `; synchronous_standby_names '${names}'`}`,
    };
  const sync = rows.filter((r) => r.sync_state === 'sync' || r.sync_state === 'quorum');
  const listed = rows.map((r) => `${String(r.application_name || '?')} ${String(r.sync_state ?? '?')}`).join(', ');
  if (sync.length === 0)
    return {
      check: 'standbys',
      status: 'warn',
      found: `${rows.length} asynchronous (${listed}): a failover can lose claims answered 2xx, and their tokens pass again`,
      fix: "set synchronous_standby_names (e.g. 'ANY 1 (*)') so a commit waits for a standby",
    };
  if (sc === 'local' || sc === 'off')
    return {
      check: 'standbys',
      status: 'warn',
      found: `${listed}, but synchronous_commit ${sc}: commits do not wait for them`,
      fix: 'synchronous_commit = on (or remote_apply)',
    };
  return { check: 'standbys', status: 'pass', found: `${listed}; commits wait for ${sync.length} (synchronous_commit ${sc})` };
}

async function clockFinding(client: PgClient): Promise<Finding> {
  const before = Date.now();
  const row = await one(client, 'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms');
  const after = Date.now();
  const offset = Math.round(Number(row?.ms) - (before + after) / 2);
  const found = `server clock ${offset >= 0 ? '+' : ''}${offset} ms from this machine's (round trip ${after - before} ms)`;
  if (Math.abs(offset) <= CLOCK_TOLERANCE_MS) return { check: 'clock', status: 'pass', found };
  return {
    check: 'clock',
    status: 'warn',
    found: `${found}; claim expiries are judged by each app host's clock, so hosts must agree`,
    fix: 'run NTP (chrony, systemd-timesyncd) on the database and app hosts',
  };
}

import type Keyv from 'keyv';
import { ConfigError } from '../../errors.js';
import { PostgresClaimStore } from './postgres-store.js';
import { loadKeyv } from '../keyv-binding.js';
import { loadPeer, namedExport } from '../optional-peer.js';
import type { StoreBackend } from '../store-backend.js';
import { isKeyvPostgresAdapter } from './adapter.js';
import { qualifiedTable } from './sql.js';

/** What jwt-once reads from a `postgres://` store URL. */
interface PostgresUrl {
  /** The URL handed to `pg`, without jwt-once's own parameters. */
  connectionString: string;
  schema: string;
  table: string;
  /** Scheme, host and path: safe to put in a message. */
  redacted: string;
}

/**
 * Splits a `postgres://` / `postgresql://` store URL: `?schema=` and `?table=`
 * name where claims go (default `public.keyv`, as `@keyv/postgres`); every
 * other parameter (`sslmode`, `statement_timeout`, `application_name`...) goes to `pg`.
 * @throws {ConfigError} for a malformed URL or a schema/table that is not a plain identifier.
 * @example
 * parsePostgresUrl('postgres://app@db/app?table=claims&sslmode=require').table // 'claims'
 */
function parsePostgresUrl(url: string): PostgresUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(
      'the postgres:// store URL is malformed; expected postgres://[user[:pass]@]host[:port]/database[?table=name&schema=name]',
    );
  }
  const schema = parsed.searchParams.get('schema') ?? 'public';
  const table = parsed.searchParams.get('table') ?? 'keyv';
  qualifiedTable(schema, table); // throws a ConfigError naming the problem
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('table');
  return { connectionString: parsed.href, schema, table, redacted: `${parsed.protocol}//${parsed.host}${parsed.pathname}` };
}

interface PgPool {
  query(sql: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  on(event: 'error', listener: () => void): unknown;
  end(): Promise<void>;
}

/**
 * Pool settings of URL stores: a connection is awaited at most 2 s (a server
 * that does not answer, or a pool whose 10 connections are all busy), a
 * statement runs at most 5 s on the server (unless the URL sets
 * `statement_timeout`), idle connections never keep the process alive.
 */
const POOL_DEFAULTS = {
  max: 10,
  connectionTimeoutMillis: 2000,
  statement_timeout: 5000,
  idleTimeoutMillis: 10_000,
  allowExitOnIdle: true,
  keepAlive: true,
};

/**
 * Opens a Keyv on `@keyv/postgres` with a pool of its own (the adapter's own
 * pool is one per process, shared by every adapter with the same URI, and
 * `disconnect()` ends whichever was created last), namespace `jwt-once`.
 */
async function openKeyv(target: PostgresUrl): Promise<Keyv> {
  const adapterModule = await loadPeer('@keyv/postgres', target.redacted, '@keyv/postgres pg');
  const pg = await loadPeer('pg', target.redacted, '@keyv/postgres pg');
  const KeyvPostgres = namedExport<new (options: object) => object>(adapterModule, 'KeyvPostgres');
  const Pool = namedExport<new (options: object) => PgPool>(pg, 'Pool');
  const Keyv = await loadKeyv();

  // Parameters in the URL (e.g. ?statement_timeout=1000) override these defaults.
  const pool = new Pool({ ...POOL_DEFAULTS, connectionString: target.connectionString });
  pool.on('error', () => undefined); // an idle connection the server dropped: the pool replaces it
  class PooledKeyvPostgres extends KeyvPostgres {
    connect(): Promise<(sql: string, values?: unknown[]) => Promise<Array<Record<string, unknown>>>> {
      return Promise.resolve(async (sql: string, values?: unknown[]) => (await pool.query(sql, values)).rows);
    }
    disconnect(): Promise<void> {
      return pool.end();
    }
  }
  const adapter = new PooledKeyvPostgres({ uri: target.connectionString, schema: target.schema, table: target.table });
  const keyv = new Keyv(adapter, { namespace: 'jwt-once' });
  keyv.on('error', () => undefined); // failures surface as rejected claims
  return keyv;
}

/**
 * `postgres://[user[:pass]@]host[:port]/db[?table=&schema=]`, `postgresql://...`: a
 * {@link PostgresClaimStore} (a fleet, durable) on a pool of its own, Keyv namespace
 * `jwt-once`; `@keyv/postgres` and `pg` load when the first claim needs them. And a
 * Keyv on `@keyv/postgres` 2.
 *
 * @example
 * postgresBackend.open!('postgres://app@db/app?table=jwt_once', 'postgres'); // openStore() does this, cached per URL
 */
export const postgresBackend: StoreBackend = {
  schemes: ['postgres', 'postgresql'],
  open: (url) => new PostgresClaimStore(openKeyv(parsePostgresUrl(url)), {}, true),
  fromKeyv: (keyv) => (isKeyvPostgresAdapter(keyv.store) ? new PostgresClaimStore(keyv) : undefined),
};

import { StoreError } from '../../errors.js';
import { asStoreError } from '../store-error.js';
import { SqliteFileWatch, type FileIdentity } from './file.js';

type Rows = Array<Record<string, unknown>>;

/** The part of a `@keyv/sqlite` adapter this store uses: its one connection. */
export interface KeyvSqliteAdapter {
  query(sql: string, ...params: unknown[]): Promise<Rows>;
  opts: { dialect?: string; table?: string; db?: string; uri?: string };
  disconnect?(): Promise<void>;
  on?(event: 'error', listener: (err: unknown) => void): unknown;
}

/** True when `adapter` is a `@keyv/sqlite` adapter. Checked by shape: the package is not loaded. */
export function isKeyvSqliteAdapter(adapter: unknown): boolean {
  const a = adapter as Partial<KeyvSqliteAdapter> | null | undefined;
  return typeof a === 'object' && a !== null && typeof a.query === 'function' && a.opts?.dialect === 'sqlite';
}

/**
 * `@keyv/sqlite` opens its file when the adapter is made and keeps the
 * outcome in a promise nobody awaits until the first query: a failed open
 * (a missing directory) would be an unhandled rejection. This gives that
 * promise a handler at once; the failure is reported by the first claim.
 */
export function handleOpenFailure(adapter: KeyvSqliteAdapter): void {
  adapter.query('SELECT 1').then(
    () => undefined,
    () => undefined,
  );
}

/**
 * A new adapter of the same kind on the same file and options as `like`: a
 * `@keyv/sqlite` adapter whose file could not be opened, or was deleted,
 * never opens again.
 */
export function freshAdapter(like: KeyvSqliteAdapter): KeyvSqliteAdapter {
  const Adapter = like.constructor as new (options: object) => KeyvSqliteAdapter;
  const { db: _db, connect: _connect, ...options } = like.opts as Record<string, unknown>;
  const adapter = new Adapter(options);
  adapter.on?.('error', () => undefined); // reported by the claim that needed it
  handleOpenFailure(adapter);
  return adapter;
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** A SQLite failure as a StoreError (503) saying what failed; a lock past the busy timeout says so. */
export function storeError(what: string, cause: unknown): StoreError {
  return asStoreError(isBusy(cause) ? `${what}: the database stayed locked past the busy timeout` : what, cause);
}

/** The refusal of a closed store: for good, it never opens again. */
export function closedError(): StoreError {
  return new StoreError('The SQLite claim store is closed');
}

/** Closes an adapter; a failure to close (one that never opened) is ignored. */
export async function disconnectQuietly(adapter: KeyvSqliteAdapter): Promise<void> {
  await Promise.resolve()
    .then(() => adapter.disconnect?.())
    .catch(() => undefined);
}

/** How to prepare a connection. */
export interface SqliteConnectionOptions {
  /** The absolute path of the file, to watch; undefined for `:memory:`. */
  file: string | undefined;
  busyTimeout: number;
  table: string;
  /** Close the adapter when the connection is dropped or the store closed. */
  owned: boolean;
  /**
   * The file the path named when the adapter was made, if any: an adapter made
   * earlier may have opened a file that was replaced since.
   */
  openedFile?: FileIdentity;
}

/**
 * One open, prepared connection of the SQLite claim store: WAL on,
 * `synchronous=NORMAL`, the busy timeout set, the expiry index in place, and
 * the file it opened recorded by device and inode.
 */
export class SqliteConnection {
  private constructor(
    readonly adapter: KeyvSqliteAdapter,
    private readonly watch: SqliteFileWatch | undefined,
    private readonly owned: boolean,
  ) {}

  /**
   * Prepares `adapter` (already made, its file opening). Run it when no
   * other statement of the store is in flight.
   * @throws when the file cannot be opened or prepared, or vanished meanwhile.
   */
  static async open(adapter: KeyvSqliteAdapter, options: SqliteConnectionOptions): Promise<SqliteConnection> {
    const { busyTimeout, table: t, file } = options;
    await adapter.query(`PRAGMA busy_timeout = ${busyTimeout}`);
    const [mode] = await adapter.query('PRAGMA journal_mode = WAL');
    const journal = String(Object.values(mode ?? {})[0] ?? '').toLowerCase();
    if (journal !== 'wal' && journal !== 'memory') {
      throw new StoreError(`SQLite refused WAL journal mode (got ${journal || 'nothing'})`);
    }
    await adapter.query('PRAGMA synchronous = NORMAL');
    await adapter.query(
      `CREATE INDEX IF NOT EXISTS ${t}_jwt_once_expires ON ${t}(json_extract(value, '$.expires')) WHERE json_valid(value)`,
    );
    if (file === undefined) return new SqliteConnection(adapter, undefined, options.owned);
    const watch = SqliteFileWatch.record(file);
    const before = options.openedFile;
    const replaced =
      before !== undefined && watch !== undefined && (watch.database.dev !== before.dev || watch.database.ino !== before.ino);
    if (watch === undefined || replaced) throw new StoreError('The SQLite file was deleted or replaced while it was being opened');
    return new SqliteConnection(adapter, watch, options.owned);
  }

  query(sql: string, ...params: unknown[]): Promise<Rows> {
    return this.adapter.query(sql, ...params);
  }

  /** False once the path names another file than the one this connection has open (or none). */
  onItsFile(): boolean {
    return this.watch === undefined || this.watch.unchanged();
  }

  /** Closes the adapter when the store opened it; one you passed is left to you. */
  async close(): Promise<void> {
    if (this.owned) await disconnectQuietly(this.adapter);
  }
}

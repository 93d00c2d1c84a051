// About 330 lines, past the ~300 of the style guide, on purpose: one class whose
// every statement goes through one queue (see "One statement at a time" below),
// and whose JSDoc states its guarantees (55 lines). The rest is already apart:
// batch.ts (the transaction), connection.ts (a prepared connection), file.ts
// (deleted or replaced files), options.ts, ../pending-claims.ts, ../purge-timer.ts.
import type Keyv from 'keyv';
import { ConfigError, StoreError } from '../../errors.js';
import type { ClaimStore } from '../claim-store.js';
import { claimJson } from '../claim-value.js';
import { bindKeyv, refuseCompression, type KeyvWithPrefix } from '../keyv-binding.js';
import { failBatch, PendingClaims, settleBatch } from '../pending-claims.js';
import { PurgeTimer } from '../purge-timer.js';
import { writeBatch } from './batch.js';
import { checkNumber } from '../../option-checks.js';
import {
  closedError,
  disconnectQuietly,
  freshAdapter,
  handleOpenFailure,
  isKeyvSqliteAdapter,
  SqliteConnection,
  storeError,
  type KeyvSqliteAdapter,
} from './connection.js';
import { ensureDirectoryOf, identityOf, sqliteFilePath, type FileIdentity } from './file.js';
import type { SqliteClaimStoreOptions } from './options.js';

/**
 * Claims in a SQLite file, on the connection a `@keyv/sqlite` adapter holds,
 * in Keyv's own table and format (`keyv.get(key)` reads a claim). Protects
 * every process on one machine that opens the same file.
 *
 * - **Claim:** `INSERT ... ON CONFLICT(key) DO UPDATE ... WHERE <row expired>
 *   RETURNING key` inside `BEGIN IMMEDIATE ... COMMIT`: a row comes back only
 *   for the call that inserted (or replaced an expired claim), and a win is
 *   reported only once the commit succeeded. Claims waiting at the same time
 *   are written in one transaction (up to `maxBatchSize`), each with its own
 *   answer; the same key twice never shares a batch.
 * - **One statement at a time:** every statement of this store runs through
 *   one queue. node-sqlite3 can report a write as done that was rolled back
 *   when statements overlap on one connection while another process holds
 *   the lock.
 * - **Journal:** WAL, `synchronous=NORMAL`, `busy_timeout` (default 5000 ms).
 *   A lock held past it is a store error (503), never a pass.
 * - **Purge:** expired rows are deleted in the background in batches, through
 *   an index on the expiry (`<table>_jwt_once_expires`). Any row of the table
 *   whose Keyv expiry has passed goes: Keyv itself treats such rows as absent.
 * - **A deleted or replaced file** (`.db`, `-wal` or `-shm`): before and after
 *   every batch the paths are `stat`ed and compared, by device and inode, with
 *   the files opened. Claims whose transaction raced the deletion are refused
 *   (503); the store then opens the path again, on a fresh connection, and
 *   goes on with whatever file is there now (an empty one if none): the claims
 *   of the deleted file are gone. See SECURITY.md. A store on your own Keyv
 *   claims on a connection of its own from then on (closed by {@link close});
 *   your Keyv's connection stays on the deleted file until you reopen it.
 * - **A file that cannot be opened** (a missing directory, no permission):
 *   each claim is a 503 and the next one tries again, so the store recovers
 *   without a restart once the path works. `createDirectory` makes the
 *   missing directories (mode 0700).
 * - **Per-claim id:** a claim's Keyv value is `"<expiresAt>:<id>"` (the expiry
 *   alone for a claim without one), so `keyv.get(key)` still reads it and a
 *   release removes only the claim made with that id.
 *
 * Rows whose value is not Keyv JSON, or that have no expiry, count as live:
 * they are never overwritten.
 *
 * @example
 * import Keyv from 'keyv';
 * import KeyvSqlite from '@keyv/sqlite';
 * import { SqliteClaimStore, claimToken } from 'jwt-once';
 * const keyv = new Keyv(new KeyvSqlite({ uri: 'sqlite://var/jwt-once.db', busyTimeout: 5000 }));
 * const store = new SqliteClaimStore(keyv); // or pass `store: keyv` to claimToken
 * await claimToken(token, { secret, algorithms: ['HS256'], store });
 */
export class SqliteClaimStore implements ClaimStore {
  readonly busyTimeout: number;
  readonly purgeInterval: number;
  readonly purgeBatchSize: number;
  readonly maxBatchSize: number;
  readonly createDirectory: boolean;
  private readonly opening: Promise<Keyv>;
  private keyv: KeyvWithPrefix | undefined;
  /** The adapter of the Keyv given: the first connection, and the model of any reopened one. */
  private given: KeyvSqliteAdapter | undefined;
  private givenTried = false;
  private givenFile: FileIdentity | undefined;
  private file: string | undefined;
  private table = 'keyv';
  private conn: SqliteConnection | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** A key asked for twice waits for the next transaction, so it sees this one's row. */
  private readonly pending = new PendingClaims('next-batch');
  private flushQueued = false;
  /** The background purge while it runs (none when `purgeInterval` is 0, or once closed). */
  private timer: PurgeTimer | undefined;
  private closed = false;
  private readonly ownsConnection: boolean;

  /**
   * @param keyv a `Keyv` whose adapter is `@keyv/sqlite`, or a promise of one
   *   (jwt-once opens URL stores that way, loading `@keyv/sqlite` lazily).
   * @param options see {@link SqliteClaimStoreOptions}.
   * @param owned internal: close the connection on {@link close} (stores opened from a URL).
   * @throws {ConfigError} when `keyv` is not backed by `@keyv/sqlite`, or options are wrong.
   */
  constructor(keyv: Keyv | Promise<Keyv>, options: SqliteClaimStoreOptions = {}, owned = false) {
    const { busyTimeout, purgeInterval, purgeBatchSize, maxBatchSize, createDirectory = false } = options;
    const ms = { min: 0, integer: true, unit: 'ms' };
    this.busyTimeout = checkNumber('SqliteClaimStore busyTimeout', busyTimeout, 5000, ms);
    this.purgeInterval = checkNumber('SqliteClaimStore purgeInterval', purgeInterval, 60_000, ms);
    this.purgeBatchSize = checkNumber('SqliteClaimStore purgeBatchSize', purgeBatchSize, 1000, { min: 1, integer: true });
    this.maxBatchSize = checkNumber('SqliteClaimStore maxBatchSize', maxBatchSize, 256, { min: 1, integer: true });
    if (typeof createDirectory !== 'boolean') throw new ConfigError('SqliteClaimStore createDirectory must be true or false');
    this.createDirectory = createDirectory;
    this.ownsConnection = owned;
    this.opening = bindKeyv(keyv, (opened) => this.attach(opened));
  }

  private attach(keyv: Keyv): void {
    if (!isKeyvSqliteAdapter(keyv.store)) {
      throw new ConfigError('SqliteClaimStore needs a Keyv whose adapter is @keyv/sqlite');
    }
    refuseCompression(keyv, 'SqliteClaimStore');
    const adapter = keyv.store as KeyvSqliteAdapter;
    // @keyv/sqlite strips the table name to [A-Za-z0-9_]; keep that guarantee here too.
    const table = String(adapter.opts.table ?? 'keyv');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new ConfigError('SqliteClaimStore: unexpected Keyv table name');
    handleOpenFailure(adapter);
    this.keyv = keyv as KeyvWithPrefix;
    this.given = adapter;
    this.table = table;
    this.file = sqliteFilePath(adapter.opts.db ?? adapter.opts.uri?.replace(/^sqlite:\/\//, ''));
    // What the adapter opened (or is opening) now: a file replaced before the first claim is noticed too.
    this.givenFile = this.file === undefined ? undefined : identityOf(this.file);
  }

  /**
   * Resolves once the store is usable: `@keyv/sqlite` loaded (URL stores), the
   * file open, WAL on and the expiry index in place. Optional: the first claim
   * does the same. Await it at start-up to fail fast.
   */
  async ready(): Promise<void> {
    await this.serial(() => this.connection());
  }

  /** Runs `task` after every statement queued before it: one statement at a time on this connection. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * The open connection, opened first when there is none or when its file was
   * deleted or replaced. Call it only inside a {@link serial} task.
   */
  private async connection(): Promise<SqliteConnection> {
    if (this.closed) throw closedError();
    const current = this.conn;
    if (current !== undefined) {
      if (current.onItsFile()) return current;
      this.conn = undefined; // the path names another file now: open that one
      await current.close();
    }
    await this.attached();
    if (this.givenTried) return this.open();
    // The given adapter first; when it cannot be used, at once one of our own.
    return this.open().catch(() => this.open());
  }

  /**
   * Opens the given adapter the first time, adapters of our own after it failed
   * or its file went (a @keyv/sqlite adapter whose file could not be opened
   * never opens again).
   */
  private async open(): Promise<SqliteConnection> {
    if (this.closed) throw closedError();
    const fresh = this.givenTried;
    this.givenTried = true;
    let adapter: KeyvSqliteAdapter | undefined;
    try {
      if (fresh && this.createDirectory && this.file !== undefined) ensureDirectoryOf(this.file);
      adapter = fresh ? freshAdapter(this.given!) : this.given!;
      const owned = fresh || this.ownsConnection;
      const openedFile = fresh ? undefined : this.givenFile;
      this.conn = await SqliteConnection.open(adapter, {
        file: this.file,
        busyTimeout: this.busyTimeout,
        table: this.table,
        owned,
        openedFile,
      });
    } catch (cause) {
      if (adapter !== undefined && (fresh || this.ownsConnection)) await disconnectQuietly(adapter);
      throw storeError('The SQLite claim store could not be opened', cause);
    }
    if (this.closed) throw closedError();
    this.timer ??= PurgeTimer.start(this.purgeInterval, () => this.purge());
    return this.conn;
  }

  /** Waits for the Keyv (URL stores load `@keyv/sqlite` first). */
  private async attached(): Promise<KeyvWithPrefix> {
    try {
      await this.opening;
    } catch (cause) {
      throw storeError('The SQLite claim store could not be opened', cause);
    }
    return this.keyv!;
  }

  async claim(key: string, expiresAt: number, now: number, id = ''): Promise<boolean> {
    if (!Number.isSafeInteger(expiresAt) || !Number.isFinite(now)) {
      throw new StoreError('The claim expiry must be an integer of epoch ms');
    }
    if (this.closed) throw closedError();
    const keyv = await this.attached();
    if (this.closed) throw closedError();
    const won = this.pending.add({ key: keyv._getKeyPrefix(key), value: claimJson(expiresAt, id), now });
    this.scheduleFlush();
    return won;
  }

  private scheduleFlush(): void {
    if (this.flushQueued || this.pending.size === 0) return;
    this.flushQueued = true;
    void this.serial(() => this.flush());
  }

  /** Writes the claims waiting now (distinct keys, up to maxBatchSize) in one transaction. */
  private async flush(): Promise<void> {
    this.flushQueued = false;
    const batch = this.pending.take(this.maxBatchSize);
    this.scheduleFlush();
    if (batch.claims.length === 0) return;

    let won: Set<unknown>;
    try {
      // Checks the file first: a replaced one is opened again before anything is written.
      const conn = await this.connection();
      won = await writeBatch(conn, this.table, batch.claims);
      if (!conn.onItsFile()) {
        // Committed to a file the path no longer names: no other process will see these claims.
        throw new StoreError('The SQLite file was deleted or replaced while the claims were written; it is opened again');
      }
    } catch (cause) {
      failBatch(batch, storeError('The SQLite claim store could not record the claim', cause));
      return;
    }
    settleBatch(batch, won);
  }

  /** Removes the claim of `key` made with this expiry and id (none: `''`); keeps any other. */
  async release(key: string, expiresAt: number, id = ''): Promise<void> {
    const rowKey = (await this.attached())._getKeyPrefix(key);
    const value = claimJson(expiresAt, id);
    try {
      await this.serial(async () =>
        (await this.connection()).query(`DELETE FROM ${this.table} WHERE key = ? AND value = ?`, rowKey, value),
      );
    } catch (cause) {
      throw storeError('The SQLite claim store could not release the claim', cause);
    }
  }

  /**
   * Deletes rows whose Keyv expiry is at or before `now`, in batches of
   * `purgeBatchSize`, letting claims run between batches. Runs on its own
   * timer; call it to purge at a chosen time.
   * @returns how many rows were deleted.
   */
  async purge(now: number = Date.now()): Promise<number> {
    const t = this.table;
    const sql =
      `DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} ` +
      `WHERE json_valid(value) AND json_extract(value, '$.expires') <= ? LIMIT ${this.purgeBatchSize}) RETURNING 1`;
    let removed = 0;
    for (;;) {
      const rows = await this.serial(async () => (await this.connection()).query(sql, now));
      removed += rows.length;
      if (rows.length < this.purgeBatchSize || this.closed) return removed;
    }
  }

  /**
   * Refuses every later claim with a {@link StoreError} (503), for good: a
   * closed store never opens its file again (make a new store for that).
   * Claims still waiting are refused too. Stops the purge timer, and closes
   * the connection when jwt-once opened it (URL stores, and connections it
   * opened again after a failure or a replaced file); a store built on your
   * own Keyv leaves that Keyv's connection to you.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.timer?.stop();
    this.timer = undefined;
    this.pending.rejectAll(closedError);
    await this.serial(async () => {
      const conn = this.conn;
      this.conn = undefined;
      if (conn !== undefined) return conn.close();
      if (!this.ownsConnection || this.givenTried) return undefined;
      // Opened from a URL, never used: close the adapter made for it.
      const keyv = await this.opening.catch(() => undefined);
      if (keyv !== undefined) await disconnectQuietly(keyv.store as KeyvSqliteAdapter);
      return undefined;
    }).catch(() => undefined);
  }

  /**
   * Advisory read (see {@link ClaimStore.isClaimed}): a live row of `key` at
   * `now`. A row that is not Keyv JSON, or has no expiry, counts as claimed,
   * as `claim` would refuse it. Reserves nothing.
   */
  async isClaimed(key: string, now: number): Promise<boolean> {
    if (this.closed) throw closedError();
    const rowKey = (await this.attached())._getKeyPrefix(key);
    let rows: Array<Record<string, unknown>>;
    try {
      rows = await this.serial(async () => (await this.connection()).query(`SELECT value FROM ${this.table} WHERE key = ?`, rowKey));
    } catch (cause) {
      throw storeError('The SQLite claim store could not be read', cause);
    }
    if (rows.length === 0) return false;
    try {
      const expires: unknown = (JSON.parse(String(rows[0]!.value)) as { expires?: unknown }).expires;
      return typeof expires !== 'number' || expires > now;
    } catch {
      return true;
    }
  }
}

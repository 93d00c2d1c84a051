import type Keyv from 'keyv';
import { ConfigError, StoreError } from '../errors.js';
import type { ClaimStore } from './claim-store.js';
import { bindKeyv, refuseCompression } from './keyv-binding.js';
import { checkNumber } from '../option-checks.js';
import { keyvValue } from './redis-store.js';

/** The part of a `@keyv/sqlite` adapter this store uses: its one connection. */
interface KeyvSqliteAdapter {
  query(sql: string, ...params: unknown[]): Promise<Array<Record<string, unknown>>>;
  opts: { dialect?: string; table?: string };
  disconnect?(): Promise<void>;
}

type KeyvWithPrefix = Keyv & { _getKeyPrefix(key: string): string };

/** True when `adapter` is a `@keyv/sqlite` adapter. Checked by shape: the package is not loaded. */
export function isKeyvSqliteAdapter(adapter: unknown): boolean {
  const a = adapter as Partial<KeyvSqliteAdapter> | null | undefined;
  return typeof a === 'object' && a !== null && typeof a.query === 'function' && a.opts?.dialect === 'sqlite';
}

/** Options of {@link SqliteClaimStore}. */
export interface SqliteClaimStoreOptions {
  /**
   * Most ms a statement waits for another process's write lock
   * (`PRAGMA busy_timeout`). Past it the claim is a store error (503), never a
   * pass. `claimToken` stops waiting at its own `storeTimeout` before this.
   * @default 5000
   */
  busyTimeout?: number;
  /**
   * How often expired rows are purged in the background, in ms (0 turns the
   * timer off; {@link SqliteClaimStore.purge} still works). The timer is unref'd.
   * @default 60_000
   */
  purgeInterval?: number;
  /** Rows deleted per purge statement, so a purge never holds the lock long. @default 1000 */
  purgeBatchSize?: number;
  /** Most claims written in one transaction. @default 256 */
  maxBatchSize?: number;
}

interface PendingClaim {
  key: string;
  value: string;
  now: number;
  resolve(won: boolean): void;
  reject(err: unknown): void;
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

function storeError(what: string, cause: unknown): StoreError {
  if (cause instanceof StoreError) return cause;
  const reason = isBusy(cause) ? `${what}: the database stayed locked past the busy timeout` : `${what}`;
  return new StoreError(reason, { cause });
}

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
  private readonly opening: Promise<Keyv>;
  private keyv: KeyvWithPrefix | undefined;
  private adapter: KeyvSqliteAdapter | undefined;
  private table = 'keyv';
  private setup: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private pending: PendingClaim[] = [];
  private flushQueued = false;
  private timer: ReturnType<typeof setInterval> | undefined;
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
    const { busyTimeout, purgeInterval, purgeBatchSize, maxBatchSize } = options;
    const ms = { min: 0, integer: true, unit: 'ms' };
    this.busyTimeout = checkNumber('SqliteClaimStore busyTimeout', busyTimeout, 5000, ms);
    this.purgeInterval = checkNumber('SqliteClaimStore purgeInterval', purgeInterval, 60_000, ms);
    this.purgeBatchSize = checkNumber('SqliteClaimStore purgeBatchSize', purgeBatchSize, 1000, { min: 1, integer: true });
    this.maxBatchSize = checkNumber('SqliteClaimStore maxBatchSize', maxBatchSize, 256, { min: 1, integer: true });
    this.ownsConnection = owned;
    this.opening = bindKeyv(keyv, (opened) => this.attach(opened));
  }

  private attach(keyv: Keyv): void {
    if (!isKeyvSqliteAdapter(keyv.store)) {
      throw new ConfigError('SqliteClaimStore needs a Keyv whose adapter is @keyv/sqlite');
    }
    refuseCompression(keyv, 'SqliteClaimStore');
    this.keyv = keyv as KeyvWithPrefix;
    this.adapter = keyv.store as KeyvSqliteAdapter;
    // @keyv/sqlite strips the table name to [A-Za-z0-9_]; keep that guarantee here too.
    const table = String(this.adapter.opts.table ?? 'keyv');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new ConfigError('SqliteClaimStore: unexpected Keyv table name');
    this.table = table;
  }

  /**
   * Resolves once the store is usable: `@keyv/sqlite` loaded (URL stores), the
   * file open, WAL on and the expiry index in place. Optional: the first claim
   * does the same. Await it at start-up to fail fast.
   */
  async ready(): Promise<void> {
    await this.prepared();
  }

  /** Runs `task` after every statement queued before it: one statement at a time on this connection. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private query(sql: string, ...params: unknown[]): Promise<Array<Record<string, unknown>>> {
    return this.adapter!.query(sql, ...params);
  }

  private prepared(): Promise<void> {
    this.setup ??= (async () => {
      await this.opening;
      await this.serial(async () => {
        const t = this.table;
        await this.query(`PRAGMA busy_timeout = ${this.busyTimeout}`);
        const [mode] = await this.query('PRAGMA journal_mode = WAL');
        const journal = String(Object.values(mode ?? {})[0] ?? '').toLowerCase();
        if (journal !== 'wal' && journal !== 'memory') {
          throw new StoreError(`SQLite refused WAL journal mode (got ${journal || 'nothing'})`);
        }
        await this.query('PRAGMA synchronous = NORMAL');
        await this.query(
          `CREATE INDEX IF NOT EXISTS ${t}_jwt_once_expires ON ${t}(json_extract(value, '$.expires')) WHERE json_valid(value)`,
        );
      });
      this.startPurging();
    })().catch((cause: unknown) => {
      this.setup = undefined; // try again on the next call
      throw storeError('The SQLite claim store could not be opened', cause);
    });
    return this.setup;
  }

  /** The row key a claim of `key` lives under (Keyv's namespace prefix). */
  rowKey(key: string): string {
    if (this.keyv === undefined) throw new StoreError('The SQLite claim store is not open yet');
    return this.keyv._getKeyPrefix(key);
  }

  async claim(key: string, expiresAt: number, now: number): Promise<boolean> {
    if (!Number.isSafeInteger(expiresAt) || !Number.isFinite(now)) {
      throw new StoreError('The claim expiry must be an integer of epoch ms');
    }
    if (this.closed) throw new StoreError('The SQLite claim store is closed');
    await this.prepared();
    return new Promise<boolean>((resolve, reject) => {
      this.pending.push({ key: this.rowKey(key), value: keyvValue(expiresAt), now, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushQueued || this.pending.length === 0) return;
    this.flushQueued = true;
    void this.serial(() => this.flush());
  }

  /** Writes the claims waiting now (distinct keys, up to maxBatchSize) in one transaction. */
  private async flush(): Promise<void> {
    this.flushQueued = false;
    const batch: PendingClaim[] = [];
    const keys = new Set<string>();
    const rest: PendingClaim[] = [];
    for (const item of this.pending) {
      if (batch.length < this.maxBatchSize && !keys.has(item.key)) {
        keys.add(item.key);
        batch.push(item);
      } else {
        rest.push(item); // a repeated key waits for the next transaction, so it sees this one's row
      }
    }
    this.pending = rest;
    this.scheduleFlush();
    if (batch.length === 0) return;

    const t = this.table;
    const rows = batch.map(() => '(?, ?, ?)').join(', ');
    const params = batch.flatMap((c) => [c.key, c.value, c.now]);
    // excluded.key finds this row's own `now`, so each claim judges expiry by its own clock.
    const sql =
      `WITH batch(k, v, n) AS (VALUES ${rows}) ` +
      `INSERT INTO ${t}(key, value) SELECT k, v FROM batch WHERE true ` +
      `ON CONFLICT(key) DO UPDATE SET value = excluded.value ` +
      `WHERE json_valid(${t}.value) AND json_extract(${t}.value, '$.expires') <= (SELECT n FROM batch WHERE k = excluded.key) ` +
      `RETURNING key`;
    let won: Set<unknown>;
    try {
      await this.query('BEGIN IMMEDIATE');
      try {
        const returned = await this.query(sql, ...params);
        await this.query('COMMIT');
        won = new Set(returned.map((r) => r.key));
      } catch (err) {
        await this.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } catch (cause) {
      const err = storeError('The SQLite claim store could not record the claim', cause);
      for (const c of batch) c.reject(err);
      return;
    }
    for (const c of batch) c.resolve(won.has(c.key));
  }

  async release(key: string, expiresAt: number): Promise<void> {
    await this.prepared();
    const rowKey = this.rowKey(key);
    try {
      await this.serial(() => this.query(`DELETE FROM ${this.table} WHERE key = ? AND value = ?`, rowKey, keyvValue(expiresAt)));
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
    await this.prepared();
    const t = this.table;
    const sql =
      `DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} ` +
      `WHERE json_valid(value) AND json_extract(value, '$.expires') <= ? LIMIT ${this.purgeBatchSize}) RETURNING 1`;
    let removed = 0;
    for (;;) {
      const rows = await this.serial(() => this.query(sql, now));
      removed += rows.length;
      if (rows.length < this.purgeBatchSize || this.closed) return removed;
    }
  }

  private startPurging(): void {
    if (this.purgeInterval === 0 || this.timer !== undefined || this.closed) return;
    this.timer = setInterval(() => {
      this.purge().catch(() => undefined); // a busy purge is retried at the next tick
    }, this.purgeInterval);
    this.timer.unref?.(); // a number outside Node: nothing to unref
  }

  /**
   * Stops the purge timer, and closes the connection when jwt-once opened it
   * from a URL; a store built on your own Keyv leaves the connection to you.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.ownsConnection) return;
    let keyv: Keyv;
    try {
      keyv = await this.opening;
    } catch {
      return;
    }
    await this.queue;
    await (keyv.store as KeyvSqliteAdapter).disconnect?.();
  }

  /**
   * Advisory read (see {@link ClaimStore.isClaimed}): a live row of `key` at
   * `now`. A row that is not Keyv JSON, or has no expiry, counts as claimed,
   * as `claim` would refuse it. Reserves nothing.
   */
  async isClaimed(key: string, now: number): Promise<boolean> {
    await this.prepared();
    const rowKey = this.rowKey(key);
    let rows: Array<Record<string, unknown>>;
    try {
      rows = await this.serial(() => this.query(`SELECT value FROM ${this.table} WHERE key = ?`, rowKey));
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

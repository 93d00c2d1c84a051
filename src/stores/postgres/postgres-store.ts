import type Keyv from 'keyv';
import { ConfigError, StoreError } from '../../errors.js';
import { checkNumber } from '../../option-checks.js';
import type { ClaimStore } from '../claim-store.js';
import { bindKeyv, refuseCompression, type KeyvWithPrefix } from '../keyv-binding.js';
import { failBatch, PendingClaims, settleBatch } from '../pending-claims.js';
import { PurgeTimer } from '../purge-timer.js';
import { asStoreError } from '../store-error.js';
import { claimJson } from '../claim-value.js';
import { isKeyvPostgresAdapter, type KeyvPostgresAdapter } from './adapter.js';
import { fitKey, isCreateRace, postgresStatements, type PostgresStatements } from './sql.js';
import { checkSafetyInterval, everyInterval } from '../safety-timer.js';
import type { PostgresClaimStoreOptions } from './options.js';

/**
 * Claims in PostgreSQL through the pool a `@keyv/postgres` 2 adapter holds, in
 * Keyv's own table and format (`keyv.get(key)` reads a claim as
 * `"<expiresAt>:<id>"`). Protects every process and host using the database;
 * a claim is durable once committed.
 *
 * - **Claim:** one statement, `INSERT ... ON CONFLICT (key) DO UPDATE ...
 *   WHERE <stored claim expired> RETURNING key`: a row comes back only for the
 *   call that inserted, or that took over an expired claim; the statement
 *   commits before it answers. Claims waiting while `maxConcurrentStatements`
 *   statements run go together in the next one (up to `maxBatchSize`, each
 *   with its own answer, keys sorted so two batches never deadlock; the same
 *   key twice never shares a batch).
 * - **Release:** `DELETE ... WHERE key = $1 AND value = $2`: this claim only,
 *   never a later claim of the same key (the value holds the per-claim id).
 * - **Purge:** expired rows are deleted in batches of `purgeBatchSize`
 *   through an index on the expiry (`<table>_jwt_once_expires`), on an unref'd timer.
 * - **Stays LOGGED:** an UNLOGGED table (a crash empties it) refuses every
 *   claim (503), found when the store opens and every `safetyCheckInterval`
 *   ms (default 10 s) after, until it is LOGGED again.
 * - **Fails closed:** every error rejects (503); `claimToken` bounds each
 *   claim by its `storeTimeout` and releases a win that arrives later. The
 *   pool reconnects by itself. The table, schema and index are created if
 *   missing (retried until they exist, and again if the table is dropped).
 *
 * Rows whose value is not Keyv JSON, or that have no expiry, count as live:
 * they are never overwritten or purged. A row key longer than the key column
 * (`keySize`, default 255) is stored as `<namespace>:sha256:<hash>`.
 *
 * @example
 * import Keyv from 'keyv';
 * import KeyvPostgres from '@keyv/postgres';
 * import { PostgresClaimStore, claimToken } from 'jwt-once';
 * const keyv = new Keyv(new KeyvPostgres({ uri: 'postgres://app@db/app', table: 'jwt_once' }), { namespace: 'jwt-once' });
 * const store = new PostgresClaimStore(keyv); // or pass `store: keyv` to claimToken
 * await claimToken(token, { secret, algorithms: ['HS256'], store });
 */
export class PostgresClaimStore implements ClaimStore {
  readonly purgeInterval: number;
  readonly purgeBatchSize: number;
  readonly maxBatchSize: number;
  readonly maxConcurrentStatements: number;
  /** Ms between two checks that the table is still LOGGED. */
  readonly safetyCheckInterval: number;
  private readonly opening: Promise<Keyv>;
  private keyv: KeyvWithPrefix | undefined;
  private adapter: KeyvPostgresAdapter | undefined;
  private sql: PostgresStatements | undefined;
  private keySize = 255;
  private setup: Promise<void> | undefined;
  private isReady = false;
  /** A key asked for twice goes with its first claim: refused when that one is written, failed with it. */
  private readonly pending = new PendingClaims('follow');
  private running = 0;
  private flushQueued = false;
  /** The background purge while it runs (none when `purgeInterval` is 0, or once closed). */
  private timer: PurgeTimer | undefined;
  private stopSafetyChecks: (() => void) | undefined;
  private closed = false;
  private readonly ownsPool: boolean;

  /**
   * @param keyv a `Keyv` whose adapter is `@keyv/postgres` 2, or a promise of
   *   one (jwt-once opens `postgres://` URL stores that way).
   * @param options see {@link PostgresClaimStoreOptions}.
   * @param owned internal: end the pool on {@link close} (stores opened from a URL).
   * @throws {ConfigError} when `keyv` is not backed by `@keyv/postgres` 2, or options are wrong.
   */
  constructor(keyv: Keyv | Promise<Keyv>, options: PostgresClaimStoreOptions = {}, owned = false) {
    const count = { min: 1, integer: true };
    this.purgeInterval = checkNumber('PostgresClaimStore purgeInterval', options.purgeInterval, 60_000, {
      min: 0,
      integer: true,
      unit: 'ms',
    });
    this.purgeBatchSize = checkNumber('PostgresClaimStore purgeBatchSize', options.purgeBatchSize, 1000, count);
    this.maxBatchSize = checkNumber('PostgresClaimStore maxBatchSize', options.maxBatchSize, 256, count);
    this.maxConcurrentStatements = checkNumber('PostgresClaimStore maxConcurrentStatements', options.maxConcurrentStatements, 4, count);
    this.safetyCheckInterval = checkSafetyInterval('PostgresClaimStore safetyCheckInterval', options.safetyCheckInterval);
    this.ownsPool = owned;
    this.opening = bindKeyv(keyv, (opened) => this.attach(opened));
  }

  private attach(keyv: Keyv): void {
    if (!isKeyvPostgresAdapter(keyv.store)) {
      throw new ConfigError('PostgresClaimStore needs a Keyv whose adapter is @keyv/postgres 2');
    }
    refuseCompression(keyv, 'PostgresClaimStore');
    const adapter = keyv.store as KeyvPostgresAdapter;
    const { schema = 'public', table = 'keyv', keySize = 255, useUnloggedTable = false } = adapter.opts;
    if (useUnloggedTable === true) {
      throw new ConfigError('PostgresClaimStore refuses useUnloggedTable: an unlogged table loses every claim when PostgreSQL crashes');
    }
    this.keySize = checkNumber('@keyv/postgres keySize', keySize, 255, { min: 64, integer: true });
    this.sql = postgresStatements(schema, table, this.keySize, false);
    this.keyv = keyv as KeyvWithPrefix;
    this.adapter = adapter;
  }

  /**
   * Resolves once the store is usable: `@keyv/postgres` loaded (URL stores),
   * the server reached, the table and expiry index in place. Optional: the
   * first claim does the same. Await it at start-up to fail fast.
   */
  async ready(): Promise<void> {
    await this.prepared();
  }

  private prepared(): Promise<void> {
    this.setup ??= (async () => {
      await this.opening;
      for (const statement of this.sql!.setup) {
        try {
          await this.adapter!.query(statement);
        } catch (err) {
          if (!isCreateRace(err)) throw err; // another process created it at the same moment
        }
      }
      const [table] = await this.adapter!.query(this.sql!.persistence);
      if (table?.unlogged === true)
        throw new StoreError('The claim table is UNLOGGED, so a PostgreSQL crash would empty it: ALTER TABLE ... SET LOGGED');
      this.isReady = true;
      if (!this.closed) this.timer ??= PurgeTimer.start(this.purgeInterval, () => this.purge());
      this.startSafetyChecks();
    })().catch((cause: unknown) => {
      this.forgetSetup(); // try again on the next call
      throw asStoreError('The PostgreSQL claim store could not be opened', cause);
    });
    return this.setup;
  }

  private forgetSetup(): void {
    this.isReady = false;
    this.setup = undefined;
  }

  /**
   * Checks now that the claim table is still LOGGED (as the
   * `safetyCheckInterval` timer does): resolves once claims are allowed,
   * rejects with the StoreError (503) they are refused with. Use it for a
   * health check, or in a test instead of waiting for the timer.
   */
  async checkSafety(): Promise<void> {
    if (this.closed) throw new StoreError('The PostgreSQL claim store is closed');
    await this.recheck();
    await this.prepared();
  }

  /**
   * The periodic check of an open store: a table found UNLOGGED (or dropped)
   * sends every claim through {@link prepared} again, which refuses it until
   * the table is LOGGED (or created again).
   * @throws a StoreError when the check itself could not run.
   */
  private async recheck(): Promise<void> {
    if (this.closed || !this.isReady) return; // not open: the next claim opens it, with the same check
    let rows: Array<Record<string, unknown>>;
    try {
      rows = await this.adapter!.query(this.sql!.persistence);
    } catch (cause) {
      if ((cause as { code?: unknown } | null)?.code === '42P01') this.forgetSetup(); // table dropped: recreate it next time
      throw asStoreError('PostgreSQL could not check the claim table', cause);
    }
    if (rows[0]?.unlogged === true) this.forgetSetup();
  }

  private startSafetyChecks(): void {
    if (this.stopSafetyChecks !== undefined || this.closed) return;
    this.stopSafetyChecks = everyInterval(this.safetyCheckInterval, () => this.recheck());
  }

  /** The row key a claim of `key` lives under: Keyv's namespace prefix, hashed if it would not fit the key column. */
  private rowKey(key: string): string {
    const keyv = this.keyv;
    if (keyv === undefined) throw new StoreError('The PostgreSQL claim store is not open yet');
    return fitKey(keyv._getKeyPrefix(key), keyv._getKeyPrefix(''), this.keySize);
  }

  async claim(key: string, expiresAt: number, now: number, id = ''): Promise<boolean> {
    if (!Number.isSafeInteger(expiresAt) || !Number.isFinite(now)) {
      throw new StoreError('The claim expiry must be an integer of epoch ms');
    }
    if (this.closed) throw new StoreError('The PostgreSQL claim store is closed');
    if (!this.isReady) await this.prepared(); // hot path: no await once open
    const won = this.pending.add({ key: this.rowKey(key), value: claimJson(expiresAt, id), now: Math.floor(now) });
    this.scheduleFlush();
    return won;
  }

  /** Sends the claims waiting now once this tick's callers have queued theirs, if a statement slot is free. */
  private scheduleFlush(): void {
    if (this.flushQueued || this.pending.size === 0 || this.running >= this.maxConcurrentStatements) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      while (this.pending.size > 0 && this.running < this.maxConcurrentStatements) this.flush();
    });
  }

  /**
   * Takes up to maxBatchSize waiting claims and writes them in one statement.
   * A key asked for twice is written once: its first claim leads, and the
   * others are refused (the leader's row, or the live claim that beat it,
   * holds the key) or fail with it.
   */
  private flush(): void {
    const batch = this.pending.take(this.maxBatchSize);
    // One lock order for every batch of every process: two batches wait on each other, never deadlock.
    const claims = batch.claims.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.running++;
    const params = [claims.map((c) => c.key), claims.map((c) => c.value), claims.map((c) => c.now)];
    this.adapter!.query(this.sql!.claim, params)
      .then(
        (rows) => settleBatch(batch, new Set(rows.map((r) => r.key))),
        (cause: unknown) => {
          if ((cause as { code?: unknown } | null)?.code === '42P01') this.forgetSetup(); // table dropped: recreate it next time
          failBatch(batch, asStoreError('PostgreSQL could not record the claim', cause));
        },
      )
      .finally(() => {
        this.running--;
        this.scheduleFlush();
      })
      .catch(() => undefined);
  }

  async release(key: string, expiresAt: number, id = ''): Promise<void> {
    try {
      await this.prepared();
      await this.adapter!.query(this.sql!.release, [this.rowKey(key), claimJson(expiresAt, id)]);
    } catch (cause) {
      throw asStoreError('PostgreSQL could not release the claim', cause);
    }
  }

  /**
   * Advisory read (see {@link ClaimStore.isClaimed}): whether `key` holds a
   * claim live at `now`. Reserves nothing; a peek, never a claim.
   */
  async isClaimed(key: string, now: number): Promise<boolean> {
    if (this.closed) throw new StoreError('The PostgreSQL claim store is closed');
    try {
      await this.prepared();
      const rows = await this.adapter!.query(this.sql!.isClaimed, [this.rowKey(key), Math.floor(now)]);
      return rows.length > 0;
    } catch (cause) {
      throw asStoreError('PostgreSQL could not read the claim', cause);
    }
  }

  /**
   * Deletes rows whose Keyv expiry is at or before `now`, in batches of
   * `purgeBatchSize`, one statement at a time. Runs on its own timer; call it
   * to purge at a chosen time.
   * @returns how many rows were deleted.
   */
  async purge(now: number = Date.now()): Promise<number> {
    await this.prepared();
    let removed = 0;
    for (;;) {
      const rows = await this.adapter!.query(this.sql!.purge, [Math.floor(now), this.purgeBatchSize]);
      removed += rows.length;
      if (rows.length < this.purgeBatchSize || this.closed) return removed;
    }
  }

  /**
   * Stops the purge and safety-check timers, and ends the pool when jwt-once
   * opened it from a URL; a store built on your own Keyv leaves the pool to you.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.timer?.stop();
    this.timer = undefined;
    this.stopSafetyChecks?.();
    this.stopSafetyChecks = undefined;
    if (!this.ownsPool) return;
    let keyv: Keyv;
    try {
      keyv = await this.opening;
    } catch {
      return;
    }
    await (keyv.store as KeyvPostgresAdapter).disconnect?.();
  }
}

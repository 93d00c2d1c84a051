/** Options of {@link PostgresClaimStore}. */
export interface PostgresClaimStoreOptions {
  /**
   * How often expired rows are purged in the background, in ms (0 turns the
   * timer off; {@link PostgresClaimStore.purge} still works). The timer is unref'd.
   * @default 60_000
   */
  purgeInterval?: number;
  /** Rows deleted per purge statement, so a purge never holds many row locks. @default 1000 */
  purgeBatchSize?: number;
  /** Most claims written by one statement. 1 turns batching off. @default 256 */
  maxBatchSize?: number;
  /**
   * Most claim statements this store runs at once (each takes a pool
   * connection); claims arriving meanwhile wait and go together in the next
   * statement. Keep it below the pool size so releases and purges find a connection.
   * @default 4
   */
  maxConcurrentStatements?: number;
  /**
   * Ms between two checks that the claim table is still LOGGED
   * (`pg_class.relpersistence`), besides the one when the store opens. A
   * table altered to UNLOGGED while the store runs (a crash would empty it)
   * refuses every claim (503) from the check that sees it until it is LOGGED
   * again: each claim then checks it anew, so `ALTER TABLE ... SET LOGGED`
   * recovers at once. The timer never keeps the process alive and stops on
   * {@link PostgresClaimStore.close}. A whole number, at least 1;
   * {@link PostgresClaimStore.checkSafety} checks at a chosen time.
   * @default 10_000
   */
  safetyCheckInterval?: number;
}

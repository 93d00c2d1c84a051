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
  /**
   * Create the missing directories above the file (mode 0700) before opening
   * it again. `sqlite://` URL stores do; a store on your own Keyv does not by
   * default, and opens the file again once the directory exists.
   * @default false
   */
  createDirectory?: boolean;
}

/**
 * The background purge of a store that keeps expired rows (SQLite,
 * PostgreSQL): `purge()` every `ms`, on a timer that never keeps the process
 * alive. A purge that fails is retried at the next tick (never an unhandled
 * rejection). `ms` 0 turns it off.
 *
 * @example
 * const purging = new PurgeTimer(60_000, () => store.purge());
 * purging.start(); // once the store is open; again is a no-op
 * purging.stop(); // on close
 */
export class PurgeTimer {
  private timer: ReturnType<typeof setInterval> | undefined;

  /**
   * @param ms ms between two purges; 0: never. @default none: the store's `purgeInterval`.
   * @param purge deletes what has expired.
   */
  constructor(
    private readonly ms: number,
    private readonly purge: () => Promise<unknown>,
  ) {}

  /** Starts purging, unless `ms` is 0 or it already runs. */
  start(): void {
    if (this.ms === 0 || this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.purge().catch(() => undefined); // a busy or unreachable store is purged at the next tick
    }, this.ms);
    (this.timer as { unref?: () => unknown }).unref?.(); // a number outside Node: nothing to unref
  }

  /** Stops purging. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * The background purge of a store that keeps expired rows (SQLite,
 * PostgreSQL): `purge()` every `ms`, on a timer that never keeps the process
 * alive. A purge that fails is retried at the next tick (never an unhandled
 * rejection).
 *
 * @example
 * this.timer ??= PurgeTimer.start(60_000, () => this.purge()); // once the store is open
 * this.timer?.stop(); // on close
 * this.timer = undefined;
 */
export class PurgeTimer {
  private constructor(private readonly handle: ReturnType<typeof setInterval>) {}

  /**
   * Starts purging every `ms`.
   * @param ms ms between two purges; 0: never (returns undefined). @default none: the store's `purgeInterval`.
   * @param purge deletes what has expired.
   * @returns the running timer, or undefined when `ms` is 0.
   */
  static start(ms: number, purge: () => Promise<unknown>): PurgeTimer | undefined {
    if (ms === 0) return undefined;
    const handle = setInterval(() => {
      purge().catch(() => undefined); // a busy or unreachable store is purged at the next tick
    }, ms);
    (handle as { unref?: () => unknown }).unref?.(); // a number outside Node: nothing to unref
    return new PurgeTimer(handle);
  }

  /** Stops purging. */
  stop(): void {
    clearInterval(this.handle);
  }
}

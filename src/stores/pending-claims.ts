/**
 * The claims a batching store (SQLite, PostgreSQL) holds until its next
 * write, and how one write's batch is taken from them. Each store writes its
 * batch in its own way; what happens to a key asked for twice before a write
 * is the one thing the two differ on, and it is a parameter here.
 */

/** A claim waiting for the next write of a batching store. */
export interface PendingClaim {
  /** The row key (Keyv's prefix included). */
  key: string;
  /** The row value: Keyv JSON with the expiry and the per-claim id ({@link claimJson}). */
  value: string;
  /** The claimer's clock (epoch ms): the row it meets is judged expired by this. */
  now: number;
  resolve(won: boolean): void;
  reject(err: unknown): void;
}

/**
 * What becomes of a key asked for again while its first claim waits:
 *
 * - `'next-batch'` (SQLite): it waits for the next write, so it sees the row
 *   this one wrote; the queue is scanned to the end for other keys.
 * - `'follow'` (PostgreSQL): it rides along with the first claim of its key,
 *   refused (`false`) when the write succeeds (that row, or the live claim
 *   that beat it, holds the key) and failed with it when it fails; taking
 *   stops at the first new key that no longer fits, keeping the order.
 *
 * @default none: each store names its own.
 */
export type DuplicateKeys = 'next-batch' | 'follow';

/** One write's claims: each key once in `claims`; `followers` repeat a key of `claims` (`'follow'` only). */
export interface ClaimBatch {
  claims: PendingClaim[];
  followers: PendingClaim[];
}

/**
 * Claims waiting for the next write of one store, in arrival order.
 *
 * @example
 * const queue = new PendingClaims('next-batch');
 * const won = queue.add({ key, value: claimJson(expiresAt, id), now });
 * const batch = queue.take(256); // then write batch.claims and settleBatch(batch, wonKeys)
 */
export class PendingClaims {
  private items: PendingClaim[] = [];

  /** @param duplicates what becomes of a key asked for twice (see {@link DuplicateKeys}). */
  constructor(private readonly duplicates: DuplicateKeys) {}

  /** How many claims wait. */
  get size(): number {
    return this.items.length;
  }

  /**
   * Queues a claim.
   * @returns its answer, once a write settles it.
   */
  add(claim: Pick<PendingClaim, 'key' | 'value' | 'now'>): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.items.push({ ...claim, resolve, reject });
    });
  }

  /** Takes the claims for one write: at most `max` distinct keys. */
  take(max: number): ClaimBatch {
    return this.duplicates === 'next-batch' ? this.takeDistinct(max) : this.takeWithFollowers(max);
  }

  /** Fails every waiting claim with `err` and empties the queue (a store closing). */
  rejectAll(err: () => unknown): void {
    const waiting = this.items;
    this.items = [];
    for (const c of waiting) c.reject(err());
  }

  private takeDistinct(max: number): ClaimBatch {
    const claims: PendingClaim[] = [];
    const keys = new Set<string>();
    const rest: PendingClaim[] = [];
    for (const item of this.items) {
      if (claims.length < max && !keys.has(item.key)) {
        keys.add(item.key);
        claims.push(item);
      } else {
        rest.push(item);
      }
    }
    this.items = rest;
    return { claims, followers: [] };
  }

  private takeWithFollowers(max: number): ClaimBatch {
    const leaders = new Map<string, PendingClaim>();
    const followers: PendingClaim[] = [];
    let taken = 0;
    for (const item of this.items) {
      if (leaders.size >= max && !leaders.has(item.key)) break;
      taken++;
      if (leaders.has(item.key)) followers.push(item);
      else leaders.set(item.key, item);
    }
    this.items = this.items.slice(taken);
    return { claims: [...leaders.values()], followers };
  }
}

/**
 * Answers a written batch: each claim wins when its key is in `won`; its
 * followers are refused.
 * @example
 * settleBatch(batch, new Set(rows.map((r) => r.key)));
 */
export function settleBatch(batch: ClaimBatch, won: Set<unknown>): void {
  for (const c of batch.claims) c.resolve(won.has(c.key));
  for (const f of batch.followers) f.resolve(false);
}

/**
 * Fails a batch whose write failed: every claim and follower with `err`.
 * @example
 * failBatch(batch, asStoreError('PostgreSQL could not record the claim', cause));
 */
export function failBatch(batch: ClaimBatch, err: unknown): void {
  for (const c of batch.claims) c.reject(err);
  for (const f of batch.followers) f.reject(err);
}

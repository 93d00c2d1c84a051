import type Keyv from 'keyv';
import { StoreError } from '../../errors.js';
import type { ClaimStore } from '../claim-store.js';
import { claimValue, expiryOfValue } from '../claim-value.js';

/**
 * Claims through any Keyv adapter with `get` then `set`, made atomic only
 * **within this process** by a per-key lock. Two processes (or hosts) sharing
 * the backend can both win the same token: jwt-once uses this only when you
 * pass `allowNonAtomicStore: true` with a Keyv adapter it cannot claim on
 * atomically.
 *
 * Keyv swallows adapter errors (a failed `get` reads as "absent"), so this
 * store listens for Keyv's `error` events and refuses (503) any claim during
 * which one was emitted, and any `set` that reports failure.
 *
 * @example
 * import Keyv from 'keyv';
 * import KeyvMongo from '@keyv/mongo';
 * // One process only: the lock does not reach other processes.
 * await claimToken(token, { secret, algorithms: ['HS256'], store: new Keyv(new KeyvMongo(url)), allowNonAtomicStore: true });
 */
export class KeyvLockedStore implements ClaimStore {
  private readonly locks = new Map<string, Promise<unknown>>();
  private errors = 0;

  constructor(private readonly keyv: Keyv) {
    keyv.on('error', () => {
      this.errors++;
    });
  }

  private locked<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return run;
  }

  private async checked<T>(task: () => Promise<T>): Promise<T> {
    const before = this.errors;
    const result = await task();
    if (this.errors !== before) throw new StoreError('The Keyv store reported an error during the claim');
    return result;
  }

  claim(key: string, expiresAt: number, now: number, id = ''): Promise<boolean> {
    return this.locked(key, () =>
      this.checked(async () => {
        const existing = (await this.keyv.get(key, { raw: true })) as { value?: unknown; expires?: unknown } | undefined;
        if (existing !== undefined && existing !== null) {
          if (expiryOfValue(existing.value) > now) return false;
        }
        const ok = await this.keyv.set(key, claimValue(expiresAt, id), Math.max(1, expiresAt - now));
        if (ok !== true) throw new StoreError('The Keyv store did not record the claim');
        return true;
      }),
    );
  }

  /** Removes the claim of `key` made with this expiry and id (none: `''`); keeps any other. */
  release(key: string, expiresAt: number, id = ''): Promise<void> {
    return this.locked(key, () =>
      this.checked(async () => {
        const existing = (await this.keyv.get(key, { raw: true })) as { value?: unknown } | undefined;
        if (existing?.value === claimValue(expiresAt, id)) await this.keyv.delete(key);
      }),
    );
  }
}

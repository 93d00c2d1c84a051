import { randomUUID } from 'node:crypto';
import { StoreError } from '../errors.js';
import type { ClaimStore } from '../stores/claim-store.js';
import { MemoryStore } from '../stores/memory/memory-store.js';
import { openStore } from '../stores/resolve-store.js';

/**
 * Options of {@link isolatedStore}.
 *
 * @example
 * const store = isolatedStore('redis://127.0.0.1:6379', { prefix: `test:${process.pid}:` });
 */
export interface IsolatedStoreOptions {
  /** Clock of the new MemoryStore's background sweep (with no `shared` store only; MemoryStore's `now`). @default Date.now */
  now?: () => number;
  /** The prefix put before every key in a shared store. @default `jwt-once-test:<random UUID>:` */
  prefix?: string;
}

/** A prefixed view of a shared store: its own keys, closed on its own. */
class PrefixedStore implements ClaimStore {
  private closed = false;
  /** Present when the shared store has it (see {@link ClaimStore.isClaimed}). */
  readonly isClaimed?: (key: string, now: number) => Promise<boolean> | boolean;

  constructor(
    private readonly base: ClaimStore,
    readonly prefix: string,
  ) {
    if (base.isClaimed !== undefined) this.isClaimed = (key, now) => this.peek(key, now);
  }

  claim(key: string, expiresAt: number, now: number, id?: string): Promise<boolean> | boolean {
    if (this.closed) throw new StoreError('This isolated test store is closed');
    return this.base.claim(this.prefix + key, expiresAt, now, id);
  }

  release(key: string, expiresAt: number, id?: string): Promise<void> | void {
    return this.base.release(this.prefix + key, expiresAt, id);
  }

  private peek(key: string, now: number): Promise<boolean> | boolean {
    if (this.closed) throw new StoreError('This isolated test store is closed');
    return this.base.isClaimed!(this.prefix + key, now);
  }

  /** Refuses every later claim of this view; the shared store stays open (close it, or `closeStores()`, yourself). */
  close(): void {
    this.closed = true;
  }
}

/**
 * A store no other test shares, for an app's own tests, so a token claimed in
 * one test is never a replay in the next:
 * - no argument: a new {@link MemoryStore} (`close()` frees it);
 * - a store URL (`redis://...`, `sqlite://...`, `postgres://...`) or a
 *   {@link ClaimStore}: a view of that shared store that puts a prefix unique
 *   to this call before every key. Its `close()` refuses later claims of the
 *   view and leaves the shared store open (URL stores: `closeStores()`).
 *
 * @example
 * import { isolatedStore } from 'jwt-once/testing';
 * let store: ClaimStore;
 * beforeEach(() => { store = isolatedStore(process.env.TEST_STORE); }); // memory when unset
 * afterEach(() => store.close?.());
 */
export function isolatedStore(shared?: ClaimStore | string, options: IsolatedStoreOptions = {}): ClaimStore & { readonly prefix?: string } {
  if (shared === undefined) return new MemoryStore(options.now === undefined ? {} : { now: options.now });
  const base = typeof shared === 'string' ? openStore(shared) : shared;
  return new PrefixedStore(base, options.prefix ?? `jwt-once-test:${randomUUID()}:`);
}

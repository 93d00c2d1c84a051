import type Keyv from 'keyv';
import type { ClaimStore } from './claim-store.js';

type KeyvInternals = Keyv & {
  _getKeyPrefix(key: string): string;
};

/** A Keyv value as Keyv itself stores it, serialized or not. */
function expiresOf(raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const data = typeof raw === 'string' ? (JSON.parse(raw) as { expires?: unknown }) : (raw as { expires?: unknown });
  return typeof data.expires === 'number' ? data.expires : Number.POSITIVE_INFINITY;
}

/**
 * Claims in the `Map` behind a plain `new Keyv()`: the check and the write run
 * synchronously on the Map, so they are atomic, and entries keep Keyv's
 * key prefix and `{ value, expires }` format so `keyv.get(key)` reads them.
 * Keyv's Map never sweeps on its own; expired claims are overwritten when
 * re-claimed and dropped by Keyv when read. For a bounded, swept memory store
 * use {@link MemoryStore}.
 */
export class KeyvMapStore implements ClaimStore {
  private readonly map: Map<string, unknown>;
  private readonly keyv: KeyvInternals;

  constructor(keyv: Keyv) {
    this.keyv = keyv as KeyvInternals;
    this.map = keyv.store as Map<string, unknown>;
  }

  private encode(expiresAt: number): unknown {
    const data = { value: expiresAt, expires: expiresAt };
    return typeof this.keyv.serialize === 'function' ? JSON.stringify(data) : data;
  }

  claim(key: string, expiresAt: number, now: number): boolean {
    const storeKey = this.keyv._getKeyPrefix(key);
    const existing = expiresOf(this.map.get(storeKey));
    if (existing !== undefined && existing > now) return false;
    this.map.set(storeKey, this.encode(expiresAt));
    return true;
  }

  release(key: string, expiresAt: number): void {
    const storeKey = this.keyv._getKeyPrefix(key);
    if (expiresOf(this.map.get(storeKey)) === expiresAt) this.map.delete(storeKey);
  }

  /** Advisory read (see {@link ClaimStore.isClaimed}): a live claim of `key` at `now`. Reserves nothing. */
  isClaimed(key: string, now: number): boolean {
    const existing = expiresOf(this.map.get(this.keyv._getKeyPrefix(key)));
    return existing !== undefined && existing > now;
  }
}

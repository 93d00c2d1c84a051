import type Keyv from 'keyv';
import type { ClaimStore } from '../claim-store.js';
import { claimValue } from '../claim-value.js';

type KeyvInternals = Keyv & {
  _getKeyPrefix(key: string): string;
};

interface KeyvEntry {
  value?: unknown;
  expires?: unknown;
}

/** A Keyv value as Keyv itself stores it, serialized or not. */
function entryOf(raw: unknown): KeyvEntry | undefined {
  if (raw === undefined || raw === null) return undefined;
  return typeof raw === 'string' ? (JSON.parse(raw) as KeyvEntry) : (raw as KeyvEntry);
}

function expiresOf(raw: unknown): number | undefined {
  const data = entryOf(raw);
  if (data === undefined) return undefined;
  return typeof data.expires === 'number' ? data.expires : Number.POSITIVE_INFINITY;
}

/**
 * Claims in the `Map` behind a plain `new Keyv()`: the check and the write run
 * synchronously on the Map, so they are atomic, and entries keep Keyv's
 * key prefix and `{ value, expires }` format so `keyv.get(key)` reads them
 * (the value is the expiry, or `"<expiresAt>:<id>"` for a claim with an id).
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

  private encode(expiresAt: number, id: string): unknown {
    const data = { value: claimValue(expiresAt, id), expires: expiresAt };
    return typeof this.keyv.serialize === 'function' ? JSON.stringify(data) : data;
  }

  claim(key: string, expiresAt: number, now: number, id = ''): boolean {
    const storeKey = this.keyv._getKeyPrefix(key);
    const existing = expiresOf(this.map.get(storeKey));
    if (existing !== undefined && existing > now) return false;
    this.map.set(storeKey, this.encode(expiresAt, id));
    return true;
  }

  /** Removes the claim of `key` made with this expiry and id (none: `''`); keeps any other. */
  release(key: string, expiresAt: number, id = ''): void {
    const storeKey = this.keyv._getKeyPrefix(key);
    const data = entryOf(this.map.get(storeKey));
    if (data?.expires === expiresAt && data.value === claimValue(expiresAt, id)) this.map.delete(storeKey);
  }

  /** Advisory read (see {@link ClaimStore.isClaimed}): a live claim of `key` at `now`. Reserves nothing. */
  isClaimed(key: string, now: number): boolean {
    const existing = expiresOf(this.map.get(this.keyv._getKeyPrefix(key)));
    return existing !== undefined && existing > now;
  }
}

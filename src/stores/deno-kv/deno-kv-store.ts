import { ConfigError, StoreError } from '../../errors.js';
import type { ClaimStore } from '../claim-store.js';
import { claimValue, expiryOfValue } from '../claim-value.js';
import type { DenoKvKey, DenoKvLike } from './deno-kv-types.js';

/** Options of {@link denoKvStore}. */
export interface DenoKvStoreOptions {
  /**
   * Key prefix of the claims: a claim of replay key `k` is the entry `[...prefix, k]`.
   * @default ['jwt-once']
   */
  prefix?: readonly (string | number)[];
}

/** A {@link ClaimStore} on Deno KV, as {@link denoKvStore} returns it. */
export interface DenoKvClaimStore extends ClaimStore {
  claim(key: string, expiresAt: number, now: number, id?: string): Promise<boolean>;
  release(key: string, expiresAt: number, id?: string): Promise<void>;
  isClaimed(key: string, now: number): Promise<boolean>;
}

/** Rounds of "the entry changed between the check and the read" before a claim gives up with a StoreError (503). */
const ATTEMPTS = 8;
const STRONG = { consistency: 'strong' } as const;
/**
 * A local KV file shared by several processes answers "database is locked"
 * (SQLite busy: nothing was written) while another process writes. Such an
 * operation is tried again, up to this many times, after 5, 10, 20, 40, then
 * 80 ms (about 1.4 s in all); any other error fails at once.
 */
const BUSY_RETRIES = 20;

function isBusy(err: unknown): boolean {
  return /database is locked|SQLITE_BUSY/i.test(err instanceof Error ? err.message : String(err));
}

/** Runs one KV operation, again while the local file is locked by another process. */
async function unlessBusy<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (attempt >= BUSY_RETRIES || !isBusy(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5 * 2 ** Math.min(attempt, 4)));
    }
  }
}

function isDenoKv(value: unknown): value is DenoKvLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as DenoKvLike).get === 'function' &&
    typeof (value as DenoKvLike).atomic === 'function'
  );
}

async function guarded<T>(what: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new StoreError(`Deno KV failed to ${what}; refusing rather than guessing`, { cause: err });
  }
}

/**
 * Claims kept in Deno KV (`await Deno.openKv()`: a local SQLite file, or
 * Deno Deploy's database shared by every region).
 *
 * A claim is one atomic operation: `check({ key, versionstamp: null })`
 * then `set`, committed only while the key is absent. Because `expireIn`
 * deletes an entry "at the earliest" after its time, the expiry is kept in the
 * value (the format every jwt-once store writes) and compared with the
 * caller's `now`: an entry that is there but expired is overwritten by one
 * atomic operation checked on its versionstamp, so of any number of
 * concurrent claims exactly one wins. Reads are strongly consistent. A
 * release deletes the claim only when it carries the same expiry and
 * per-claim id. A local file locked by another process ("database is
 * locked") is waited for, about 1.4 s at most; every other failure rejects (a
 * 503), never a pass.
 *
 * @param kv a `Deno.Kv` (Deno: `await Deno.openKv()`, with `--unstable-kv` where your Deno version needs it).
 * @throws {ConfigError} when `kv` is not a Deno KV database.
 * @example
 * import { claimToken, denoKvStore } from 'npm:jwt-once';
 * const store = denoKvStore(await Deno.openKv());
 * Deno.serve(async (req) => {
 *   await claimToken(req.headers.get('authorization')?.slice(7) ?? '', { secret, algorithms: ['HS256'], store });
 *   return new Response('ok');
 * });
 */
export function denoKvStore(kv: DenoKvLike, options: DenoKvStoreOptions = {}): DenoKvClaimStore {
  if (!isDenoKv(kv)) throw new ConfigError('denoKvStore() needs a Deno KV database: denoKvStore(await Deno.openKv())');
  const prefix = options.prefix ?? ['jwt-once'];
  if (!Array.isArray(prefix) || !prefix.every((part) => typeof part === 'string' || typeof part === 'number')) {
    throw new ConfigError("denoKvStore prefix must be an array of strings and numbers, e.g. ['jwt-once']");
  }
  const keyOf = (key: string): DenoKvKey => [...prefix, key];
  return {
    claim: (key, expiresAt, now, id = '') =>
      guarded('claim', async () => {
        const entryKey = keyOf(key);
        const value = claimValue(expiresAt, id);
        // expireIn is only the clean-up ("at the earliest"): the expiry in the value decides.
        const expireIn = Math.max(1, Math.ceil(expiresAt - now));
        let versionstamp: string | null = null; // first: claim only if absent
        for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
          const check = { key: entryKey, versionstamp };
          const { ok } = await unlessBusy(() => kv.atomic().check(check).set(entryKey, value, { expireIn }).commit());
          if (ok) return true;
          const entry = await unlessBusy(() => kv.get(entryKey, STRONG));
          if (entry.versionstamp !== null && expiryOfValue(entry.value) > now) return false;
          versionstamp = entry.versionstamp; // absent again, or expired: overwrite exactly this version
        }
        throw new StoreError(`Deno KV: the claim kept changing over ${ATTEMPTS} attempts; refusing rather than guessing`);
      }),
    release: (key, expiresAt, id = '') =>
      guarded('release', async () => {
        const entryKey = keyOf(key);
        const entry = await unlessBusy(() => kv.get(entryKey, STRONG));
        if (entry.versionstamp === null || entry.value !== claimValue(expiresAt, id)) return;
        // Compare-and-delete: a claim written since the read (another id) is kept.
        const check = { key: entryKey, versionstamp: entry.versionstamp };
        await unlessBusy(() => kv.atomic().check(check).delete(entryKey).commit());
      }),
    isClaimed: (key, now) =>
      guarded('read a claim', async () => {
        const entry = await unlessBusy(() => kv.get(keyOf(key), STRONG));
        return entry.versionstamp !== null && expiryOfValue(entry.value) > now;
      }),
  };
}

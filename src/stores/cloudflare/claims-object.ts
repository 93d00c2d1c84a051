import { claimValue, expiryOfValue } from '../claim-value.js';
import {
  claimKey,
  indexEndAfter,
  indexKey,
  isClaimsOperation,
  parseIndexKey,
  type ClaimsAnswer,
  type ClaimsOperation,
} from './claims-protocol.js';
import type { DurableObjectResponseLike, DurableObjectStateLike, DurableObjectStorageLike } from './durable-object-types.js';

/**
 * Most expired claims one alarm removes (bounded work per alarm). When more
 * are due, the alarm runs again at once.
 * @default 512
 * @example
 * import { SWEEP_LIMIT } from 'jwt-once/cloudflare';
 * const alarmsToClear = Math.ceil(expiredClaims / SWEEP_LIMIT);
 */
export const SWEEP_LIMIT = 512;
/** Keys per storage `get`/`delete` call: Durable Objects take at most 128. */
const BATCH = 128;

function answer(result: boolean): DurableObjectResponseLike {
  const body: ClaimsAnswer = { ok: true, result };
  return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
}

/**
 * The Durable Object class that holds claims for `durableObjectStore()`.
 * Export it from your Worker's entry and bind it in `wrangler.toml`
 * (docs/stores/durable-objects.md has the full configuration).
 *
 * Each object holds the claims of one shard. A claim is one storage
 * transaction: written when the key is absent or its claim has expired at the
 * caller's `now`, refused otherwise; a release deletes the claim only when it
 * carries the same expiry and per-claim id. Expired claims are removed by an
 * alarm at the earliest expiry (by the object's clock), at most
 * {@link SWEEP_LIMIT} per alarm.
 *
 * @example
 * // src/index.ts of the Worker
 * import { durableObjectStore } from 'jwt-once/cloudflare';
 * export { JwtOnceClaims } from 'jwt-once/cloudflare';
 */
export class JwtOnceClaims {
  private readonly storage: DurableObjectStorageLike;
  /** The alarm this object set last (`null`: none), or `undefined` until read from storage. */
  private alarmAt: number | null | undefined;

  /** @param state the object's state (`ctx`), given by the runtime. */
  constructor(state: DurableObjectStateLike, _env?: unknown) {
    this.storage = state.storage;
  }

  /** Answers one operation of the store (a JSON `POST`); 400 for anything else. */
  async fetch(request: { json(): Promise<unknown> }): Promise<DurableObjectResponseLike> {
    let operation: unknown;
    try {
      operation = await request.json();
    } catch {
      operation = undefined;
    }
    if (!isClaimsOperation(operation)) return new Response('jwt-once: not a claims operation', { status: 400 });
    return answer(await this.run(operation));
  }

  /** Removes up to {@link SWEEP_LIMIT} claims expired by this object's clock, then sets the next alarm. */
  async alarm(): Promise<void> {
    const now = Date.now();
    const due = [...(await this.storage.list({ prefix: 'x:', end: indexEndAfter(now), limit: SWEEP_LIMIT })).keys()];
    for (let start = 0; start < due.length; start += BATCH) {
      const entries = due.slice(start, start + BATCH);
      const claims = await this.storage.get(entries.map((entry) => claimKey(parseIndexKey(entry).key)));
      // A claim is deleted with its own index entry only: a later claim of the key has an entry of its own.
      const expired = entries.filter((entry) => {
        const { expiresAt, key } = parseIndexKey(entry);
        const value = claims.get(claimKey(key));
        return value === undefined || expiryOfValue(value) === expiresAt;
      });
      await this.storage.delete([...entries, ...expired.map((entry) => claimKey(parseIndexKey(entry).key))]);
    }
    const next = due.length === SWEEP_LIMIT ? now : this.firstExpiry(await this.storage.list({ prefix: 'x:', limit: 1 }));
    this.alarmAt = null;
    if (next !== undefined) await this.scheduleAlarm(next);
  }

  private firstExpiry(first: Map<string, unknown>): number | undefined {
    const [entry] = first.keys();
    return entry === undefined ? undefined : parseIndexKey(entry).expiresAt;
  }

  private async run(operation: ClaimsOperation): Promise<boolean> {
    const key = claimKey(operation.key);
    if (operation.op === 'isClaimed') {
      const value = await this.storage.get(key);
      return value !== undefined && expiryOfValue(value) > operation.now;
    }
    if (operation.op === 'release') {
      const { expiresAt, id } = operation;
      return this.storage.transaction(async (txn) => {
        if ((await txn.get(key)) !== claimValue(expiresAt, id)) return false;
        await txn.delete([key, indexKey(expiresAt, operation.key)]);
        return true;
      });
    }
    const { expiresAt, now, id } = operation;
    const won = await this.storage.transaction(async (txn) => {
      const existing = await txn.get(key);
      if (existing !== undefined) {
        const previous = expiryOfValue(existing);
        if (previous > now) return false;
        await txn.delete([indexKey(previous, operation.key)]);
      }
      await txn.put({ [key]: claimValue(expiresAt, id), [indexKey(expiresAt, operation.key)]: 1 });
      return true;
    });
    if (won) await this.scheduleAlarm(expiresAt);
    return won;
  }

  /** Sets the alarm to `time` unless one is already due earlier. */
  private async scheduleAlarm(time: number): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.storage.getAlarm();
    if (this.alarmAt !== null && this.alarmAt <= time) return;
    this.alarmAt = time;
    await this.storage.setAlarm(time);
  }
}

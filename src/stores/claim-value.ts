/**
 * The one claim value format of every store, and its one reader.
 *
 * A claim of `expiresAt` made with the per-claim `id` is Keyv's value
 * `"<expiresAt>:<id>"` (the number `expiresAt` alone when `id` is `''`), and a
 * store that keeps Keyv's JSON text writes {@link claimJson}:
 * `{"value":"<expiresAt>:<id>","expires":<expiresAt>}`.
 *
 * Why this format and not Redis's former `{"value":E,"expires":E,"id":"..."}`:
 * - it is a Keyv *value*, so the locked-Keyv store can write it through
 *   `keyv.set()` (Keyv's API has no room for a field next to `value`), and
 *   `keyv.get(key)` reads a claim in every store;
 * - `expires` is the last field, which PostgreSQL's SQL reads without parsing
 *   JSON (`"expires":N}` at the end, an indexed expression): an `id` after it
 *   would hide the expiry and make the row live for ever;
 * - the text is the same for the same claim every time, so Redis (Lua) and
 *   SQLite/PostgreSQL (SQL) compare-and-delete on the whole value;
 * - five stores of six already wrote it, so only Redis has old values to read.
 *
 * Old Redis values ({@link legacyClaimJson}) stay correct: Redis refuses a key
 * while it exists (SET NX, the value is never read) and expires it by its TTL;
 * a release compares against both texts, so it still removes an old claim.
 */

/** A claim read back: its expiry (epoch ms) and its per-claim id (`''` for none). */
export interface ParsedClaim {
  expiresAt: number;
  id: string;
}

/**
 * The Keyv value a claim is kept as: the expiry alone when there is no id.
 * @example
 * claimValue(1767225600000, 'abc'); // '1767225600000:abc'
 */
export function claimValue(expiresAt: number, id: string): number | string {
  // join makes one flat string; a template literal would keep a rope of three
  // strings alive per claim (measured over 1,000,000 claims: about 100 B more each).
  return id === '' ? expiresAt : [expiresAt, id].join(':');
}

/**
 * The claim as Keyv's JSON text, `{"value":...,"expires":<expiresAt>}`: the
 * same text for the same claim every time, so a store can compare-and-delete on it.
 * @example
 * claimJson(1767225600000, 'abc'); // '{"value":"1767225600000:abc","expires":1767225600000}'
 */
export function claimJson(expiresAt: number, id: string): string {
  return `{"value":${JSON.stringify(claimValue(expiresAt, id))},"expires":${expiresAt}}`;
}

/**
 * The text the Redis store wrote before this format (read only, never written):
 * `{"value":E,"expires":E,"id":"<id>"}`; without an id it equals {@link claimJson}.
 * @example
 * legacyClaimJson(1767225600000, 'abc'); // '{"value":1767225600000,"expires":1767225600000,"id":"abc"}'
 */
export function legacyClaimJson(expiresAt: number, id: string): string {
  return id === '' ? claimJson(expiresAt, '') : `{"value":${expiresAt},"expires":${expiresAt},"id":${JSON.stringify(id)}}`;
}

/** The expiry at the head of a flat Keyv value (`E` or `"E:id"`); NaN for anything else. Allocates nothing. */
function flatExpiry(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return Number.NaN;
  const colon = value.indexOf(':');
  return colon > 0 ? Number(value.slice(0, colon)) : Number.NaN;
}

function parseFlat(value: unknown): ParsedClaim | undefined {
  const expiresAt = flatExpiry(value);
  if (!Number.isSafeInteger(expiresAt)) return undefined;
  return { expiresAt, id: typeof value === 'string' ? value.slice(value.indexOf(':') + 1) : '' };
}

/**
 * Reads a claim: a Keyv value ({@link claimValue}), Keyv's stored object or its
 * JSON text ({@link claimJson}), or an old Redis text ({@link legacyClaimJson}).
 * `undefined` for anything else (no store overwrites such a value).
 * @example
 * parseClaim('{"value":1767225600000,"expires":1767225600000,"id":"abc"}'); // { expiresAt: 1767225600000, id: 'abc' }
 */
export function parseClaim(stored: unknown): ParsedClaim | undefined {
  const flat = parseFlat(stored);
  if (flat !== undefined || (typeof stored === 'string' && !stored.startsWith('{'))) return flat;
  let data: unknown = stored;
  if (typeof stored === 'string') {
    try {
      data = JSON.parse(stored);
    } catch {
      return undefined;
    }
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const { value, id } = data as { value?: unknown; id?: unknown };
  // The old Redis text: the expiry as the value, the id beside it.
  if (typeof value === 'number' && typeof id === 'string') return parseFlat(value) && { expiresAt: value, id };
  return parseFlat(value);
}

/** The expiry of a value written by {@link claimValue}; `Infinity` for anything else (never overwritten). */
export function expiryOfValue(value: unknown): number {
  if (typeof value === 'number') return value;
  const expiresAt = flatExpiry(value);
  return Number.isSafeInteger(expiresAt) ? expiresAt : Number.POSITIVE_INFINITY;
}

/**
 * What the store sends a `JwtOnceClaims` object and what it answers: one JSON
 * `POST` per call, so the object class needs no RPC support (`cloudflare:workers`)
 * and `jwt-once/cloudflare` loads on every runtime.
 */

/** The operations of a claims object. */
export type ClaimsOperation =
  | { op: 'claim'; key: string; expiresAt: number; now: number; id: string }
  | { op: 'release'; key: string; expiresAt: number; id: string }
  | { op: 'isClaimed'; key: string; now: number };

/** The answer of a claims object: `{ ok: true, result }`, HTTP 200. */
export interface ClaimsAnswer {
  ok: true;
  result: boolean;
}

/** The URL the store posts to (the object ignores it; a stub needs an absolute URL). */
export const CLAIMS_URL = 'https://jwt-once.invalid/claims';

/** The claim of `key` in the object's storage. */
export const claimKey = (key: string): string => `c:${key}`;

/** Width of the zero-padded expiry in the index: epoch ms up to year 275760 fit in 16 digits. */
const EXPIRY_DIGITS = 16;

/** The expiry index entry of a claim: `x:<16-digit expiresAt>:<key>`, listed in expiry order by the alarm. */
export function indexKey(expiresAt: number, key: string): string {
  return `x:${String(Math.max(0, Math.trunc(expiresAt))).padStart(EXPIRY_DIGITS, '0')}:${key}`;
}

/** The first index key after every claim that expires at or before `time`. */
export function indexEndAfter(time: number): string {
  return indexKey(time + 1, '');
}

/** The expiry and the key of an index entry. */
export function parseIndexKey(entry: string): { expiresAt: number; key: string } {
  return { expiresAt: Number(entry.slice(2, 2 + EXPIRY_DIGITS)), key: entry.slice(3 + EXPIRY_DIGITS) };
}

/** True when `value` is an operation a claims object answers. */
export function isClaimsOperation(value: unknown): value is ClaimsOperation {
  if (typeof value !== 'object' || value === null) return false;
  const { op, key, expiresAt, now, id } = value as Record<string, unknown>;
  if (typeof key !== 'string') return false;
  if (op === 'claim') return Number.isFinite(expiresAt) && Number.isFinite(now) && typeof id === 'string';
  if (op === 'release') return Number.isFinite(expiresAt) && typeof id === 'string';
  return op === 'isClaimed' && Number.isFinite(now);
}

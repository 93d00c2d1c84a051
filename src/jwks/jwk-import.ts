import type { KeyObject } from 'node:crypto';
import { badRequiredMember, hasPrivateMember, importRequiredMembers, isWeakRsaKey } from '../jwk-checks.js';

/** One verification key of a set, imported once when the set is fetched. */
export interface SetKey {
  kid: string | undefined;
  /** `EC` or `RSA`. */
  kty: string;
  /** The curve of an EC key. */
  crv: string | undefined;
  /** The `alg` the JWK is restricted to, when it names one. */
  alg: string | undefined;
  key: KeyObject;
}

/** The keys of one fetched JWKS, indexed by `kid`. */
export interface KeySet {
  keys: readonly SetKey[];
  byKid: ReadonlyMap<string, readonly SetKey[]>;
}

/** Why a whole key set is refused (thrown as a plain Error; the cache makes it a 503 with the URL). */
function refused(reason: string): Error {
  return new Error(reason);
}

/** A JWK of the set turned into a {@link SetKey}, or `undefined` when it is not a signature key jwt-once can use. */
function importOne(jwk: Record<string, unknown>): SetKey | undefined {
  const { kid, use, alg } = jwk;
  const ops = jwk.key_ops;
  if (kid !== undefined && typeof kid !== 'string') return undefined;
  if (alg !== undefined && typeof alg !== 'string') return undefined;
  if (use !== undefined && use !== 'sig') return undefined;
  if (ops !== undefined && !(Array.isArray(ops) && ops.includes('verify'))) return undefined;
  // Only EC and RSA (what jsonwebtoken verifies): an OKP, or anything malformed, is left out.
  if ((jwk.kty !== 'EC' && jwk.kty !== 'RSA') || badRequiredMember(jwk) !== undefined) return undefined;
  let key: KeyObject;
  try {
    key = importRequiredMembers(jwk);
  } catch {
    return undefined;
  }
  if (isWeakRsaKey(key)) return undefined;
  return { kid, kty: jwk.kty as string, crv: typeof jwk.crv === 'string' ? jwk.crv : undefined, alg, key };
}

/**
 * Imports a JWKS document (RFC 7517 s5) once: each EC and RSA signature key
 * becomes a public `KeyObject` (node:crypto, from its required members only).
 * Keys that cannot serve (an `enc` key, an OKP, an RSA key under 2048 bits, a
 * malformed member) are left out, so a token naming them is refused. A set
 * holding private or symmetric key material (`d`, `k`, ...) is refused whole:
 * its publisher has leaked a secret, and none of its keys is to be trusted.
 *
 * @throws {Error} when `document` is not `{ keys: [...] }` or holds private material.
 * @example
 * const set = importKeySet(await response.json());
 * set.byKid.get('2024-06')?.[0]?.key;
 */
export function importKeySet(document: unknown): KeySet {
  if (typeof document !== 'object' || document === null || !Array.isArray((document as { keys?: unknown }).keys)) {
    throw refused('is not a JWKS: no `keys` array');
  }
  const keys: SetKey[] = [];
  const byKid = new Map<string, SetKey[]>();
  for (const jwk of (document as { keys: unknown[] }).keys) {
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) continue;
    if (hasPrivateMember(jwk as Record<string, unknown>)) {
      throw refused('holds private or symmetric key material (a d, k, p, q... member): refused whole');
    }
    const key = importOne(jwk as Record<string, unknown>);
    if (key === undefined) continue;
    keys.push(key);
    if (key.kid !== undefined) {
      const same = byKid.get(key.kid);
      if (same === undefined) byKid.set(key.kid, [key]);
      else same.push(key);
    }
  }
  return { keys, byKid };
}

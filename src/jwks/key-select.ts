import type { KeyObject } from 'node:crypto';
import { KEY_TYPE_OF_ALG } from '../jwk-checks.js';
import type { KeySet, SetKey } from './jwk-import.js';

/** Why no key was chosen: none fits, or (a token without `kid`) several do. */
export type NoKey = 'none' | 'ambiguous';

/** Whether `key` can verify a token signed with `alg`: the JWK's own `alg` when it has one, its type and curve. */
function fits(key: SetKey, alg: string): boolean {
  if (key.alg !== undefined && key.alg !== alg) return false;
  const needed = KEY_TYPE_OF_ALG[alg];
  return needed !== undefined && key.kty === needed.kty && (needed.crv === undefined || key.crv === needed.crv);
}

/**
 * The key of `set` that verifies a token with header `alg` and `kid`: among
 * the keys with that `kid` (every key when the token has none), the one
 * whose type, curve and `alg` fit. An HMAC or unknown `alg` fits no key.
 * Without a `kid`, more than one fitting key is `'ambiguous'`.
 *
 * @example
 * const key = selectKey(set, header.alg, header.kid);
 * if (typeof key === 'string') throw new InvalidTokenError('No key in the key set matches this token');
 */
export function selectKey(set: KeySet, alg: unknown, kid: string | undefined): KeyObject | NoKey {
  if (typeof alg !== 'string') return 'none';
  const candidates = kid === undefined ? set.keys : set.byKid.get(kid);
  if (candidates === undefined) return 'none';
  let found: SetKey | undefined;
  for (const key of candidates) {
    if (!fits(key, alg)) continue;
    if (found !== undefined && kid === undefined) return 'ambiguous';
    found ??= key;
  }
  return found === undefined ? 'none' : found.key;
}

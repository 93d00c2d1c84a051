import { createHash, type KeyObject } from 'node:crypto';
import { DpopProofError } from '../errors.js';
import {
  badRequiredMember,
  hasPrivateMember,
  importRequiredMembers,
  isWeakRsaKey,
  KEY_TYPE_OF_ALG,
  MIN_RSA_MODULUS_BITS,
  REQUIRED_MEMBERS,
} from '../jwk-checks.js';
import type { PublicJwk } from './public-jwk.js';

export type { PublicJwk } from './public-jwk.js';

/**
 * Checks that `jwk` is a public EC, RSA or OKP (Ed25519) key usable with `alg`: a JSON
 * object, no private member, every required member a non-empty base64url
 * string (the curve a name), and the key type and curve matching `alg`.
 *
 * @throws {DpopProofError} otherwise.
 * @example
 * checkPublicJwk({ kty: 'EC', crv: 'P-256', x: '...', y: '...' }, 'ES256');
 */
export function checkPublicJwk(jwk: unknown, alg: string): asserts jwk is PublicJwk {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new DpopProofError('The DPoP proof header has no jwk object');
  }
  const key = jwk as Record<string, unknown>;
  if (hasPrivateMember(key)) throw new DpopProofError('The DPoP proof jwk contains private key material; it must be a public key');
  const expected = KEY_TYPE_OF_ALG[alg];
  if (expected === undefined || key.kty !== expected.kty) {
    throw new DpopProofError('The DPoP proof jwk key type does not match its alg');
  }
  if (expected.crv !== undefined && key.crv !== expected.crv) {
    throw new DpopProofError('The DPoP proof jwk curve does not match its alg');
  }
  const member = badRequiredMember(key);
  if (member !== undefined) throw new DpopProofError(`The DPoP proof jwk member ${member} is missing or not base64url`);
}

/**
 * The RFC 7638 JWK thumbprint of a checked public key: base64url SHA-256 of
 * its required members, in lexicographic order, as JSON without whitespace.
 * Equals the `jkt` an authorization server puts in `cnf` (RFC 9449 s6.1).
 *
 * @example
 * jwkThumbprint({ kty: 'RSA', e: 'AQAB', n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFb...' })
 * // 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' (the RFC 7638 s3.1 example)
 */
export function jwkThumbprint(jwk: PublicJwk): string {
  const members = REQUIRED_MEMBERS[jwk.kty];
  if (members === undefined) throw new DpopProofError('The DPoP proof jwk key type is not supported');
  // JSON.stringify of strings is the canonical form RFC 7638 s3.3 asks for: no whitespace, escaped as JSON.
  const canonical = `{${members.map((m) => `${JSON.stringify(m)}:${JSON.stringify(jwk[m])}`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

/**
 * The `KeyObject` of a checked public JWK, made from its required members
 * only. A key Node cannot import is refused as a bad proof, and so is an RSA
 * key whose modulus has fewer than {@link MIN_RSA_MODULUS_BITS} bits:
 * jsonwebtoken checks the key size only when signing, never when verifying.
 *
 * @example
 * const key = jwkPublicKey(jwk); // then jsonwebtoken.verify(proof, key, { algorithms: ['ES256'] })
 */
export function jwkPublicKey(jwk: PublicJwk): KeyObject {
  let key: KeyObject;
  try {
    key = importRequiredMembers(jwk);
  } catch (cause) {
    throw new DpopProofError('The DPoP proof jwk is not a usable public key', { cause });
  }
  if (isWeakRsaKey(key)) {
    throw new DpopProofError(`The DPoP proof jwk is an RSA key of fewer than ${MIN_RSA_MODULUS_BITS} bits`);
  }
  return key;
}

import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { DpopProofError } from '../errors.js';
import type { PublicJwk } from './public-jwk.js';

export type { PublicJwk } from './public-jwk.js';

/**
 * Members that only a private (or symmetric) key has (RFC 7518 s6.2.2, s6.3.2,
 * s6.4): a proof whose `jwk` carries any of them is refused (RFC 9449 s4.3
 * check 7), as the client has then published its private key.
 */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** The members the RFC 7638 thumbprint hashes, in its lexicographic order, per key type. */
const REQUIRED_MEMBERS: Record<string, readonly string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

/** The key type and curve each accepted algorithm needs. */
const KEY_TYPE_OF_ALG: Record<string, { kty: string; crv?: string }> = {
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  // RFC 8037 (EdDSA) and RFC 9864 (Ed25519): only with a verifier that has them, see DpopOptions.verifier.
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  Ed25519: { kty: 'OKP', crv: 'Ed25519' },
};

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The smallest RSA modulus accepted, in bits (RFC 7518 s3.3 and s3.5: 2048 or larger). */
const MIN_RSA_MODULUS_BITS = 2048;

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
  for (const member of PRIVATE_MEMBERS) {
    if (member in key) throw new DpopProofError('The DPoP proof jwk contains private key material; it must be a public key');
  }
  const expected = KEY_TYPE_OF_ALG[alg];
  if (expected === undefined || key.kty !== expected.kty) {
    throw new DpopProofError('The DPoP proof jwk key type does not match its alg');
  }
  if (expected.crv !== undefined && key.crv !== expected.crv) {
    throw new DpopProofError('The DPoP proof jwk curve does not match its alg');
  }
  for (const member of REQUIRED_MEMBERS[expected.kty]!) {
    const value = key[member];
    if (typeof value !== 'string' || value.length === 0 || (member !== 'kty' && member !== 'crv' && !BASE64URL.test(value))) {
      throw new DpopProofError(`The DPoP proof jwk member ${member} is missing or not base64url`);
    }
  }
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
  const members: Record<string, string> = {};
  for (const m of REQUIRED_MEMBERS[jwk.kty]!) members[m] = jwk[m] as string;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: members, format: 'jwk' });
  } catch (cause) {
    throw new DpopProofError('The DPoP proof jwk is not a usable public key', { cause });
  }
  if (key.asymmetricKeyType === 'rsa' && !((key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_MODULUS_BITS)) {
    throw new DpopProofError(`The DPoP proof jwk is an RSA key of fewer than ${MIN_RSA_MODULUS_BITS} bits`);
  }
  return key;
}

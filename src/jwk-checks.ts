import { createPublicKey, type KeyObject } from 'node:crypto';

// What DPoP (src/dpop/jwk.ts) and JWKS (src/jwks/jwk-import.ts) check alike on a public JWK.
// Each wraps these answers in its own error.

/**
 * Members that only a private (or symmetric) key has (RFC 7518 s6.2.2, s6.3.2,
 * s6.4). A JWK carrying any of them is a published secret.
 */
export const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** The members the RFC 7638 thumbprint hashes, in its lexicographic order, per key type (EC, RSA, OKP). */
export const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

/** The key type and curve each accepted public-key algorithm needs. */
export const KEY_TYPE_OF_ALG: Readonly<Record<string, { kty: string; crv?: string }>> = {
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

/** The smallest RSA modulus accepted, in bits (RFC 7518 s3.3 and s3.5: 2048 or larger). */
export const MIN_RSA_MODULUS_BITS = 2048;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Whether `jwk` carries private or symmetric key material ({@link PRIVATE_MEMBERS}).
 *
 * @example
 * hasPrivateMember({ kty: 'oct', k: 'c2VjcmV0' }); // true
 */
export function hasPrivateMember(jwk: Record<string, unknown>): boolean {
  return PRIVATE_MEMBERS.some((member) => member in jwk);
}

/**
 * The first required member of an EC, RSA or OKP `jwk` that is missing, empty or
 * not base64url (the curve and key type must be non-empty strings), or
 * `undefined` when all are there. The key type itself must be one of those.
 *
 * @example
 * badRequiredMember({ kty: 'RSA', e: 'AQAB' }); // 'n'
 */
export function badRequiredMember(jwk: Record<string, unknown>): string | undefined {
  const members = REQUIRED_MEMBERS[jwk.kty as string];
  if (members === undefined) return 'kty';
  for (const member of members) {
    const value = jwk[member];
    if (typeof value !== 'string' || value.length === 0 || (member !== 'kty' && member !== 'crv' && !BASE64URL.test(value))) {
      return member;
    }
  }
  return undefined;
}

/**
 * The public `KeyObject` of an EC, RSA or OKP `jwk` already checked with
 * {@link badRequiredMember}, made from its required members only (`kid`,
 * `alg`, `use` and any extension are left out of what Node parses).
 *
 * @throws {Error} Node's error when it cannot import the key.
 * @example
 * const key = importRequiredMembers({ kty: 'EC', crv: 'P-256', x: '...', y: '...' });
 */
export function importRequiredMembers(jwk: Record<string, unknown>): KeyObject {
  const members: Record<string, string> = {};
  for (const m of REQUIRED_MEMBERS[jwk.kty as string]!) members[m] = jwk[m] as string;
  return createPublicKey({ key: members, format: 'jwk' });
}

/**
 * Whether `key` is an RSA key whose modulus has fewer than
 * {@link MIN_RSA_MODULUS_BITS} bits. jsonwebtoken checks the key size only
 * when signing, never when verifying.
 *
 * @example
 * if (isWeakRsaKey(key)) throw new Error('RSA key too small');
 */
export function isWeakRsaKey(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'rsa' && !((key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_MODULUS_BITS);
}

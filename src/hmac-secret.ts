import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Algorithm } from './jwt-types.js';

/**
 * Shortest HMAC key per algorithm, in bytes: the size of the hash output
 * (RFC 7518 s3.2 "A key of the same size as the hash output ... or larger
 * MUST be used").
 */
const MIN_HMAC_SECRET_BYTES = { HS256: 32, HS384: 48, HS512: 64 } as const;

/**
 * The length an HMAC secret must have for `algorithms`: the largest minimum of
 * the HS* algorithms listed, since one secret verifies every listed algorithm
 * (a 32-byte secret listed for HS512 would let HS512 tokens through with half
 * the key strength). 0 when no HS* algorithm is listed.
 *
 * @example
 * minHmacSecretBytes(['HS256', 'HS512']); // 64
 */
export function minHmacSecretBytes(algorithms: readonly Algorithm[]): { bytes: number; algorithm: Algorithm | undefined } {
  let bytes = 0;
  let algorithm: Algorithm | undefined;
  for (const alg of algorithms) {
    const min = (MIN_HMAC_SECRET_BYTES as Record<string, number>)[alg];
    if (min !== undefined && min > bytes) {
      bytes = min;
      algorithm = alg;
    }
  }
  return { bytes, algorithm };
}

/** Whether `text` is a JSON object with a `kty`: a JWK, not a secret. */
function isJwk(secret: Buffer): boolean {
  const text = secret.toString('utf8').trim();
  if (!text.startsWith('{')) return false;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && 'kty' in parsed;
  } catch {
    return false;
  }
}

/**
 * Whether `secret` starts like a DER structure: a SEQUENCE (0x30) whose
 * encoded length fits in `secret`. Cheap, so `createPublicKey` (about a
 * millisecond per failed attempt) only runs on what could be DER.
 */
function mayBeDer(secret: Buffer): boolean {
  if (secret.length < 2 || secret[0] !== 0x30) return false;
  const first = secret[1]!;
  if (first < 0x80) return 2 + first <= secret.length;
  const octets = first & 0x7f;
  if (octets === 0 || octets > 4 || secret.length < 2 + octets) return false;
  let length = 0;
  for (let i = 0; i < octets; i++) length = length * 256 + secret[2 + i]!;
  return 2 + octets + length <= secret.length;
}

/** Whether `createPublicKey` reads `secret` as a DER public key (SPKI or PKCS#1). */
function parsesAsDerPublicKey(secret: Buffer): boolean {
  if (!mayBeDer(secret)) return false;
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      createPublicKey({ key: secret, format: 'der', type });
      return true;
    } catch {
      // Not this form.
    }
  }
  return false;
}

/**
 * Why `secret` must not be used as an HMAC secret because it is (or contains)
 * a public key, whose text anyone can have: then anyone can sign tokens with
 * it (the algorithm-confusion trap). `undefined` when it is not key-shaped.
 *
 * Refused: `-----BEGIN` anywhere (a PEM after a newline, a BOM, `Bag
 * Attributes` lines of `openssl pkcs12`, or any other prefix; everything
 * `crypto.createPublicKey` reads as PEM has that line), anything it reads as
 * DER (SPKI or PKCS#1), and a JSON object with a `kty` member (a JWK).
 */
function keyShapedSecret(secret: Buffer): string | undefined {
  // Everything `createPublicKey` reads as PEM has this line (OpenSSL skips any text before it).
  if (secret.includes('-----BEGIN')) return 'it contains a PEM block (-----BEGIN ...)';
  if (parsesAsDerPublicKey(secret)) return 'it parses as a DER public key';
  if (isJwk(secret)) return 'it is a JWK (JSON with kty)';
  return undefined;
}

/** What the checks of an HMAC secret need. */
export interface HmacSecretRules {
  /** Shortest accepted secret in bytes (see {@link minHmacSecretBytes}). */
  minBytes: number;
  /** The algorithm that sets `minBytes`, named in the message. */
  algorithm: Algorithm | undefined;
  /** `allowShortHmacSecret`: skip the length check (never the key-shape check). */
  allowShort: boolean;
}

/**
 * Why `secret` (the bytes of a string, Buffer or secret `KeyObject`) cannot
 * be an HMAC secret, for the operator; `undefined` when it can.
 */
export function hmacSecretProblem(secret: Buffer | KeyObject, rules: HmacSecretRules): string | undefined {
  const bytes = Buffer.isBuffer(secret) ? secret : secret.export();
  const shape = keyShapedSecret(bytes);
  if (shape !== undefined) {
    return (
      `a public key was given as the HMAC (HS*) secret (${shape}): that is the algorithm-confusion trap, ` +
      'anyone with the public key could sign tokens. Use a shared random secret, or RS*/PS*/ES* algorithms with the public key'
    );
  }
  if (!rules.allowShort && bytes.length < rules.minBytes) {
    return (
      `the HMAC secret is ${bytes.length} bytes; ${rules.algorithm ?? 'HS*'} needs at least ${rules.minBytes} (RFC 7518 s3.2), ` +
      `or a guessed secret signs tokens. Use a random secret of at least ${rules.minBytes} bytes ` +
      `(e.g. \`openssl rand -base64 ${rules.minBytes}\`), or set \`allowShortHmacSecret: true\` to accept it knowingly (unsafe)`
    );
  }
  return undefined;
}

import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import type { Algorithm, JwtHeader, JwtPayload } from './jwt-types.js';
import { ConfigError, InvalidTokenError } from './errors.js';

/** A verification key: a shared secret, a PEM public (or private) key, or a `KeyObject`. */
export type KeyInput = string | Buffer | KeyObject;

/**
 * Looks up the verification key for one token, e.g. by `header.kid` in a JWKS.
 * Called with the decoded, not yet verified, header and payload: use them only
 * to choose a key, never to trust claims.
 */
export type SecretResolver = (header: JwtHeader, payload: JwtPayload) => KeyInput | Promise<KeyInput>;

/** Algorithms `jsonwebtoken` verifies. `none` is deliberately absent (RFC 8725 s3.1). */
export const SUPPORTED_ALGORITHMS: readonly Algorithm[] = [
  'HS256', 'HS384', 'HS512',
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
];

/** Checks the algorithm list once, at creation. */
export function checkAlgorithms(algorithms: unknown): Algorithm[] {
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new ConfigError(
      "`algorithms` is required: list the algorithms your tokens are signed with, e.g. { algorithms: ['HS256'] }",
    );
  }
  for (const alg of algorithms) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
      throw new ConfigError("`algorithms` must not include 'none': unsigned tokens cannot be verified (RFC 8725 s3.1)");
    }
    if (!SUPPORTED_ALGORITHMS.includes(alg as Algorithm)) {
      throw new ConfigError(`unsupported algorithm ${JSON.stringify(alg)}; use one of ${SUPPORTED_ALGORITHMS.join(', ')}`);
    }
  }
  const symmetric = algorithms.some((a: string) => a.startsWith('HS'));
  const asymmetric = algorithms.some((a: string) => !a.startsWith('HS'));
  if (symmetric && asymmetric) {
    throw new ConfigError(
      '`algorithms` mixes HMAC (HS*) with public-key algorithms; one key cannot serve both safely (algorithm confusion). Use two jwt-once instances.',
    );
  }
  return [...new Set(algorithms as Algorithm[])];
}

function isPem(input: string | Buffer): boolean {
  const head = typeof input === 'string' ? input.trimStart().slice(0, 11) : input.subarray(0, 11).toString('latin1');
  return head === '-----BEGIN ';
}

/**
 * Turns a key into a `KeyObject` once, so verification does not re-parse it
 * on every call (jsonwebtoken does when given a string).
 *
 * @param input the key as configured or as returned by a resolver.
 * @param symmetric whether the accepted algorithms are HMAC.
 * @param onBadKey builds the error for an unusable key.
 */
export function prepareKey(
  input: KeyInput,
  symmetric: boolean,
  onBadKey: (message: string) => Error = (message) => new ConfigError(message),
): KeyObject {
  if (input instanceof KeyObject) {
    if (symmetric !== (input.type === 'secret')) {
      throw onBadKey(`a ${input.type} key cannot verify ${symmetric ? 'HMAC' : 'public-key'} algorithms`);
    }
    return input.type === 'private' ? createPublicKey(input) : input;
  }
  if (typeof input !== 'string' && !Buffer.isBuffer(input)) {
    throw onBadKey('`secret` must be a string, a Buffer, a KeyObject or a function returning one');
  }
  if (input.length === 0) throw onBadKey('`secret` is empty');
  if (symmetric) {
    if (isPem(input)) {
      throw onBadKey('a PEM key was given for HMAC (HS*) algorithms: that is the algorithm-confusion trap. Use a shared secret, or RS*/PS*/ES* algorithms');
    }
    return createSecretKey(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  }
  if (!isPem(input)) {
    throw onBadKey('public-key algorithms (RS*/PS*/ES*) need a PEM key or a KeyObject, not a shared secret');
  }
  try {
    return createPublicKey(input);
  } catch (cause) {
    throw onBadKey('the PEM key could not be parsed');
  }
}

/** Prepares keys returned by a {@link SecretResolver}, keeping the last few to avoid re-parsing. */
export class ResolvedKeyCache {
  private readonly cache = new Map<string | Buffer, KeyObject>();
  constructor(private readonly symmetric: boolean, private readonly limit = 64) {}

  get(input: KeyInput): KeyObject {
    if (input instanceof KeyObject) return prepareKey(input, this.symmetric, invalidKey);
    const hit = this.cache.get(input);
    if (hit !== undefined) return hit;
    const key = prepareKey(input, this.symmetric, invalidKey);
    if (this.cache.size >= this.limit) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(input, key);
    return key;
  }
}

function invalidKey(message: string): Error {
  return new InvalidTokenError(`No usable key for this token: ${message}`);
}

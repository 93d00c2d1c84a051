import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import type { Algorithm } from './jwt-types.js';
import type { KeyInput } from './key-input.js';
import { SUPPORTED_ALGORITHMS } from './supported-algorithms.js';
import { ConfigError, InvalidTokenError } from './errors.js';
import { hmacSecretProblem, minHmacSecretBytes, type HmacSecretRules } from './hmac-secret.js';

/**
 * Checks the algorithm list once, at creation.
 *
 * @param extra algorithms a `verifier` adds to jsonwebtoken's (e.g. `EdDSA`), and its name for messages.
 */
export function checkAlgorithms(algorithms: unknown, extra?: { name: string; algorithms: readonly string[] }): Algorithm[] {
  if (algorithms === undefined || algorithms === null || (Array.isArray(algorithms) && algorithms.length === 0)) {
    throw new ConfigError(
      "`algorithms` is required: a non-empty array of the algorithms your tokens are signed with, e.g. { algorithms: ['HS256'] }",
    );
  }
  if (!Array.isArray(algorithms)) {
    const given = typeof algorithms === 'string' ? `the string ${JSON.stringify(algorithms.slice(0, 20))}` : `a ${typeof algorithms}`;
    throw new ConfigError(`\`algorithms\` must be a non-empty array, e.g. ['HS256'], got ${given}`);
  }
  for (const alg of algorithms) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
      throw new ConfigError("`algorithms` must not include 'none': unsigned tokens cannot be verified (RFC 8725 s3.1)");
    }
    if (!SUPPORTED_ALGORITHMS.includes(alg as Algorithm) && !(extra?.algorithms.includes(alg as string) ?? false)) {
      if (alg === 'EdDSA' || alg === 'Ed25519') {
        throw new ConfigError(
          `${alg} needs a verifier that has it: jsonwebtoken has no EdDSA. ` +
            "Add `verifier: joseVerifier` (import { joseVerifier } from 'jwt-once/jose')",
        );
      }
      const known = [...SUPPORTED_ALGORITHMS, ...(extra?.algorithms ?? [])];
      throw new ConfigError(`unsupported algorithm ${JSON.stringify(alg)}; use one of ${known.join(', ')}`);
    }
  }
  const symmetric = algorithms.some((a: string) => a.startsWith('HS'));
  const asymmetric = algorithms.some((a: string) => !a.startsWith('HS'));
  if (symmetric && asymmetric) {
    throw new ConfigError(
      '`algorithms` mixes HMAC (HS*) with public-key algorithms; ' +
        'one key cannot serve both safely (algorithm confusion). Use two jwt-once instances.',
    );
  }
  return [...new Set(algorithms as Algorithm[])];
}

/** Whether `input` holds a PEM block anywhere (text before it, such as a BOM or `Bag Attributes`, included). */
function isPem(input: string | Buffer): boolean {
  return input.includes('-----BEGIN ');
}

/**
 * How keys are checked: public-key algorithms, or HMAC with the rules of
 * {@link hmacSecretProblem} (no key-shaped secret, a minimum length).
 */
type KeyRules = { symmetric: false } | ({ symmetric: true } & HmacSecretRules);

/**
 * The {@link KeyRules} for `algorithms` (already checked by {@link checkAlgorithms}).
 *
 * @param allowShortHmacSecret the `allowShortHmacSecret` option: HMAC secrets below the hash size are accepted.
 */
export function keyRules(algorithms: readonly Algorithm[], allowShortHmacSecret: boolean): KeyRules {
  if (!algorithms[0]!.startsWith('HS')) return { symmetric: false };
  const { bytes, algorithm } = minHmacSecretBytes(algorithms);
  return { symmetric: true, minBytes: bytes, algorithm, allowShort: allowShortHmacSecret };
}

/**
 * Turns a key into a `KeyObject` once, so verification does not re-parse it
 * on every call (jsonwebtoken does when given a string). An HMAC secret
 * (string, bytes or secret `KeyObject`) that is key-shaped (a PEM anywhere
 * in it, a DER public key, a JWK) or shorter than the rules allow is refused.
 *
 * @param input the key as configured or as returned by a resolver.
 * @param rules what the accepted algorithms need, see {@link keyRules}.
 * @param onBadKey builds the error for an unusable key from the operator's explanation.
 */
export function prepareKey(
  input: KeyInput,
  rules: KeyRules,
  onBadKey: (message: string) => Error = (message) => new ConfigError(message),
): KeyObject {
  const { symmetric } = rules;
  if (input instanceof KeyObject) {
    if (symmetric !== (input.type === 'secret')) {
      throw onBadKey(`a ${input.type} key cannot verify ${symmetric ? 'HMAC' : 'public-key'} algorithms`);
    }
    if (rules.symmetric) {
      const problem = hmacSecretProblem(input, rules);
      if (problem !== undefined) throw onBadKey(problem);
    }
    return input.type === 'private' ? createPublicKey(input) : input;
  }
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw onBadKey('`secret` must be a string, a Buffer, a KeyObject or a function returning one');
  }
  if (input.length === 0) throw onBadKey('`secret` is empty');
  // A plain Uint8Array is read as a Buffer over the same bytes (no copy), so it behaves as a Buffer does.
  const data = typeof input === 'string' || Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (rules.symmetric) {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    const problem = hmacSecretProblem(bytes, rules);
    if (problem !== undefined) throw onBadKey(problem);
    return createSecretKey(bytes);
  }
  if (!isPem(data)) {
    throw onBadKey('public-key algorithms (RS*/PS*/ES*) need a PEM key or a KeyObject, not a shared secret');
  }
  try {
    return createPublicKey(data);
  } catch {
    throw onBadKey('the PEM key could not be parsed');
  }
}

/**
 * Prepares keys returned by a {@link SecretResolver}, keeping the last few to
 * avoid re-parsing and re-checking. A key that fails a check is an
 * {@link InvalidTokenError} (401) for that token, with a fixed message; what
 * is wrong with the key is in its `cause`, for logs.
 */
export class ResolvedKeyCache {
  private readonly cache = new Map<string | Uint8Array, KeyObject>();
  /** KeyObjects already checked: a resolver returning the same objects pays the checks once. */
  private readonly checked = new WeakMap<KeyObject, KeyObject>();
  constructor(
    private readonly rules: KeyRules,
    private readonly limit = 64,
  ) {}

  get(input: KeyInput): KeyObject {
    if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
      if (!(input instanceof KeyObject)) return prepareKey(input, this.rules, invalidKey); // refused there
      let key = this.checked.get(input);
      if (key === undefined) {
        key = prepareKey(input, this.rules, invalidKey);
        this.checked.set(input, key);
      }
      return key;
    }
    const hit = this.cache.get(input);
    if (hit !== undefined) return hit;
    const key = prepareKey(input, this.rules, invalidKey);
    if (this.cache.size >= this.limit) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(input, key);
    return key;
  }
}

function invalidKey(message: string): Error {
  const cause = new Error(`jwt-once: the key the resolver returned is refused: ${message}`);
  return new InvalidTokenError('No usable key for this token', { cause });
}

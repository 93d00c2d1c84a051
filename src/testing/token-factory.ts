import { createPrivateKey, createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ConfigError } from '../errors.js';
import type { KeyInput, SecretResolver } from '../key-input.js';
import type { Algorithm } from '../jwt-types.js';
import type { ClaimOptions, VerifierAlgorithm } from '../options.js';

/**
 * Options of {@link createTokenFactory}: the app's own {@link ClaimOptions}
 * fit as they are (`secret`, `algorithms`, `issuer`, `audience`, `subject`,
 * `now`; the rest is ignored), plus what signing needs that verifying does not.
 *
 * @example
 * const options: TokenFactoryOptions = { secret: publicPem, algorithms: ['ES256'], key: privateKey, keyId: 'k1', expiresIn: 60 };
 */
export interface TokenFactoryOptions extends Pick<ClaimOptions, 'issuer' | 'audience' | 'subject' | 'now'> {
  /**
   * The app's verification key. Signs the tokens when it is an HMAC secret
   * (a string, bytes or a secret `KeyObject`) and no {@link key} is given.
   * @default none (then `key` is required)
   */
  secret?: KeyInput | SecretResolver;
  /** The app's accepted algorithms: tokens are signed with the first unless {@link algorithm} says otherwise. */
  algorithms?: readonly (Algorithm | VerifierAlgorithm)[];
  /**
   * The algorithm to sign with. jsonwebtoken signs, so `EdDSA` and `Ed25519` are a ConfigError (sign those with `jose`).
   * @default algorithms[0]
   */
  algorithm?: Algorithm | VerifierAlgorithm;
  /**
   * The signing key: the private key (PEM or `KeyObject`) for RS, PS and ES
   * algorithms, or an HMAC secret.
   * @default secret, when it is an HMAC secret
   */
  key?: KeyInput;
  /** `kid` put in every token's header. @default none */
  keyId?: string;
  /** Lifetime of each token in seconds (`exp` = `iat` + this). @default 300 */
  expiresIn?: number;
  /** Claims put in every token (a token's own claims win). @default {} */
  claims?: Record<string, unknown>;
}

/**
 * Signs a new token: `iat` from the clock, `exp` after `expiresIn`, a fresh
 * random `jti`, the `iss`/`aud`/`sub` the app expects, then `claims` on top.
 * A claim given as `undefined` is left out (e.g. `{ jti: undefined }`, `{ exp: undefined }`).
 *
 * @example
 * const sign: TokenFactory = createTokenFactory(appOptions);
 * const withoutJti = sign({ sub: 'alice', jti: undefined });
 */
export type TokenFactory = (claims?: Record<string, unknown>) => string;

const isPem = (key: KeyInput): boolean => typeof key === 'string' && key.trimStart().startsWith('-----BEGIN');
const isHmacKey = (key: KeyInput): boolean => (typeof key === 'object' && 'type' in key ? key.type === 'secret' : !isPem(key));

function firstString(value: string | RegExp | Array<string | RegExp> | undefined): string | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  return list.find((entry): entry is string => typeof entry === 'string');
}

/** The key as a `KeyObject`, made once: jsonwebtoken would otherwise parse a string or bytes again for every token. */
function keyObject(key: KeyInput, algorithm: Algorithm): KeyObject {
  if (typeof key === 'object' && !(key instanceof Uint8Array)) {
    if (key.type === 'public')
      throw new ConfigError(`createTokenFactory: \`key\` is a public key; ${algorithm} tokens are signed with the private key`);
    return key as KeyObject;
  }
  const bytes = typeof key === 'string' ? Buffer.from(key) : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  if (algorithm.startsWith('HS')) return createSecretKey(bytes);
  try {
    return createPrivateKey(bytes);
  } catch (cause) {
    throw new ConfigError(`createTokenFactory: \`key\` must be the private key (PEM or KeyObject) to sign ${algorithm} tokens`, { cause });
  }
}

function signingKey(options: TokenFactoryOptions, algorithm: Algorithm): KeyInput {
  if (options.key !== undefined) return options.key;
  const { secret } = options;
  if (algorithm.startsWith('HS') && secret !== undefined && typeof secret !== 'function' && isHmacKey(secret)) return secret;
  throw new ConfigError(
    `createTokenFactory needs \`key\` to sign ${algorithm} tokens: the private key (or HMAC secret) matching the app's \`secret\`` +
      (typeof secret === 'function' ? ' (a key lookup cannot sign)' : ''),
  );
}

/**
 * A token factory for an app's own tests: signs tokens the app's options
 * accept, each with a new `jti`, so every token is a first use. Give it the
 * same options object the app is configured with (and the private `key` for
 * RS, PS and ES algorithms), and the app's clock to match `iat`/`exp` to it.
 *
 * @throws {ConfigError} at creation when no algorithm is given, `none` is asked for, no signing key can be found,
 *   or `audience` has only regular expressions and `claims.aud` is not given.
 * @example
 * import { createTestClock, createTokenFactory } from 'jwt-once/testing';
 * const clock = createTestClock();
 * const options = { secret: process.env.JWT_SECRET!, algorithms: ['HS256'], issuer: 'https://idp.example', now: clock.now } as const;
 * const sign = createTokenFactory(options);
 * const token = sign({ sub: 'alice' }); // HS256, iss https://idp.example, iat now, exp in 5 minutes, a random jti
 */
export function createTokenFactory(options: TokenFactoryOptions): TokenFactory {
  const algorithm = options.algorithm ?? options.algorithms?.[0];
  if (algorithm === undefined || algorithm === 'none') {
    throw new ConfigError('createTokenFactory needs `algorithm` or a non-empty `algorithms` (not `none`): the algorithm the app accepts');
  }
  if (algorithm === 'EdDSA' || algorithm === 'Ed25519') {
    throw new ConfigError(
      `createTokenFactory signs with jsonwebtoken, which has no ${algorithm}: pass \`algorithm\` (e.g. ES256), or sign with jose`,
    );
  }
  const key = keyObject(signingKey(options, algorithm), algorithm);
  const expiresIn = options.expiresIn ?? 300;
  if (!Number.isFinite(expiresIn)) throw new ConfigError('createTokenFactory expiresIn must be a finite number of seconds');
  const now = options.now ?? Date.now;
  const defaults = options.claims ?? {};
  const aud = firstString(options.audience);
  if (options.audience !== undefined && aud === undefined && defaults.aud === undefined) {
    throw new ConfigError('createTokenFactory: `audience` holds only regular expressions; give the `aud` to sign in `claims`');
  }
  const iss = Array.isArray(options.issuer) ? options.issuer[0] : options.issuer;
  const header = options.keyId === undefined ? undefined : { alg: algorithm, kid: options.keyId };
  return function signTestToken(claims = {}): string {
    const iat = Math.floor(now() / 1000);
    const payload: Record<string, unknown> = {
      iat,
      exp: iat + expiresIn,
      jti: randomUUID(),
      iss,
      aud,
      sub: options.subject,
      ...defaults,
      ...claims,
    };
    for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
    return jwt.sign(payload, key, { algorithm, ...(header && { header }) });
  };
}

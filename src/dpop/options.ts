import type { JwtPayload } from '../jwt-types.js';
import { ConfigError } from '../errors.js';
import { checkNumber, checkOptionNames } from '../option-checks.js';
import type { Unlisted } from '../option-names.js';
import type { Claim, ClaimOptions } from '../options.js';
import type { PublicJwk } from './public-jwk.js';
import type { TokenVerifier } from '../token-verifier.js';
import { checkVerifier } from '../verifier-step.js';

/**
 * Algorithms a DPoP proof may be signed with: asymmetric ones. `EdDSA` and
 * `Ed25519` (Ed25519 keys) need a `verifier` that has them, such as `joseVerifier`.
 */
export type DpopAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'EdDSA' | 'Ed25519';

const DPOP_ALGORITHMS: readonly string[] = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];

/**
 * The default allow-list (RFC 9449 s4.3 check 5).
 *
 * @example
 * createDpopChecker({ algorithms: [...DEFAULT_DPOP_ALGORITHMS, 'ES384'] });
 */
export const DEFAULT_DPOP_ALGORITHMS: readonly DpopAlgorithm[] = ['ES256', 'RS256', 'PS256'];

/**
 * Server-provided nonces (RFC 9449 s8). Both callbacks are yours: jwt-once
 * neither makes nor remembers nonces. Errors they throw propagate as they are.
 */
export interface DpopNonceOptions {
  /** True when `nonce` (the proof's `nonce` claim, `undefined` when absent) is one you accept now. */
  check(nonce: string | undefined, request: DpopRequest): boolean | Promise<boolean>;
  /** A fresh nonce, sent in `DPoP-Nonce` with `error="use_dpop_nonce"` when `check` refused. Printable ASCII without `"` or `\`. */
  issue(request: DpopRequest): string | Promise<string>;
}

/** Options of {@link createDpopChecker} and {@link checkDpopProof}. */
export interface DpopOptions extends Pick<ClaimOptions, 'store' | 'allowNonAtomicStore' | 'storeTimeout' | 'onClaim' | 'onReplay' | 'now'> {
  /**
   * Accepted proof algorithms. Asymmetric only; `EdDSA` (Ed25519 keys) needs
   * a `verifier` that has it, such as `joseVerifier` (jsonwebtoken has no EdDSA).
   * @default ['ES256', 'RS256', 'PS256']
   */
  algorithms?: readonly DpopAlgorithm[];
  /**
   * Verifies proof signatures instead of jsonwebtoken, e.g. `joseVerifier`
   * from `jwt-once/jose` for EdDSA proofs. Every RFC 9449 check stays jwt-once's.
   * @default jsonwebtoken
   */
  verifier?: TokenVerifier;
  /** Seconds a proof's `iat` may lie before or after now (RFC 9449 s11.1). @default 60 */
  iatWindow?: number;
  /** Extra seconds of clock skew, added to `iatWindow` on both sides and to how long a proof is held. @default 0 */
  clockTolerance?: number;
  /**
   * The public origin clients call, e.g. `'https://api.example.com'`, when a
   * proxy or load balancer sits in front: `htu` is then compared with this
   * origin and the request's path, whatever the Host header or scheme the
   * app sees. Without it, adapters use the URL as the framework reports it.
   * @default none: the request's own URL
   */
  origin?: string;
  /** Require a server nonce in every proof. @default none */
  nonce?: DpopNonceOptions;
  /** Proofs longer than this many characters are refused before parsing. @default 8192 */
  maxProofLength?: number;
  /** Longest accepted `jti`, in characters. @default 256 */
  maxJtiLength?: number;
}

/**
 * Every name {@link DpopOptions} accepts. Anything else is refused at creation
 * with a suggestion (a mistyped `iatWindo` would otherwise leave the default
 * window in force). The type check below fails the build when an option is
 * added to `DpopOptions` but not here.
 *
 * @example
 * checkOptionNames('DPoP', options, DPOP_OPTION_NAMES);
 */
export const DPOP_OPTION_NAMES = [
  'store',
  'allowNonAtomicStore',
  'storeTimeout',
  'onClaim',
  'onReplay',
  'now',
  'algorithms',
  'verifier',
  'iatWindow',
  'clockTolerance',
  'origin',
  'nonce',
  'maxProofLength',
  'maxJtiLength',
] as const satisfies ReadonlyArray<keyof DpopOptions>;
// Compile-time completeness: `true` only when no option name is missing from the list.
const dpopNamesComplete: [Unlisted<DpopOptions, typeof DPOP_OPTION_NAMES>] extends [never] ? true : false = true;
void dpopNamesComplete;

/** What the checker knows about one request. */
export interface DpopRequest {
  /** The HTTP method, compared with `htm` exactly (methods are case-sensitive). */
  method: string;
  /** The absolute request URL, or its path (starting with `/`) when `origin` is set. Query and fragment are ignored. */
  url: string;
  /**
   * At a resource server: the access token sent with the proof
   * (`Authorization: DPoP <token>`). The proof must then carry `ath`, its
   * base64url SHA-256 (RFC 9449 s4.3 check 12). @default none: `ath` is not checked
   */
  accessToken?: string;
  /**
   * The verified payload of that access token: its `cnf.jkt` must equal the
   * proof key's RFC 7638 thumbprint. A payload without `cnf.jkt` is refused
   * (the token is not DPoP-bound). @default none: the binding is not checked
   */
  accessTokenPayload?: JwtPayload | Record<string, unknown>;
  /** The framework request, passed to the hooks. */
  request?: unknown;
}

/** A checked and claimed proof. */
export interface DpopProof {
  /** The RFC 7638 thumbprint of the proof key: the `jkt` to bind tokens to. */
  thumbprint: string;
  /** The proof's public key, as sent. */
  jwk: PublicJwk;
  /** The normalised `htu`. */
  htu: string;
  /** The claim: payload, header, replay key, expiry, `release()`. */
  claim: Claim;
}

/** The checked options. */
interface ResolvedDpopOptions {
  algorithms: readonly string[];
  verifier: TokenVerifier | undefined;
  /** `iatWindow + clockTolerance`, in seconds. */
  window: number;
  clockTolerance: number;
  origin: string | undefined;
  nonce: DpopNonceOptions | undefined;
  maxProofLength: number;
  maxJtiLength: number;
}

/** Checks the algorithm allow-list once: non-empty, asymmetric, EdDSA only with a verifier that has it. */
function checkDpopAlgorithms(algorithms: unknown, verifier: TokenVerifier | undefined): readonly string[] {
  if (algorithms === undefined) return DEFAULT_DPOP_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new ConfigError("`algorithms` must be a non-empty list such as ['ES256', 'RS256', 'PS256']");
  }
  for (const alg of algorithms) {
    if (alg === 'Ed448') throw new ConfigError('Ed448 proofs are not supported; use EdDSA (Ed25519), ES256, RS256 or PS256');
    if ((alg === 'EdDSA' || alg === 'Ed25519') && !(verifier?.algorithms.includes(alg) ?? false)) {
      throw new ConfigError(
        `${alg} needs a verifier that has it: jsonwebtoken has no EdDSA. Add \`verifier: joseVerifier\` ` +
          "(import { joseVerifier } from 'jwt-once/jose'), or use ES256, RS256 or PS256",
      );
    }
    if (!DPOP_ALGORITHMS.includes(alg as string) && !(verifier?.algorithms.includes(alg as string) ?? false)) {
      throw new ConfigError(`DPoP proofs need an asymmetric algorithm; ${JSON.stringify(alg)} is not one of ${DPOP_ALGORITHMS.join(', ')}`);
    }
  }
  return [...new Set(algorithms as string[])];
}

function checkNonceOptions(nonce: unknown): DpopNonceOptions | undefined {
  if (nonce === undefined) return undefined;
  const n = nonce as Partial<DpopNonceOptions> | null;
  if (typeof n !== 'object' || n === null || typeof n.check !== 'function' || typeof n.issue !== 'function') {
    throw new ConfigError('`nonce` must be { check(nonce, request), issue(request) }');
  }
  return n as DpopNonceOptions;
}

/**
 * Checks the DPoP-specific options once; the store options are checked by the claim step.
 *
 * @throws {ConfigError} naming the option to fix.
 * @example
 * const { window } = resolveDpopOptions({ iatWindow: 30, clockTolerance: 5 }, checkOrigin); // window: 35
 */
export function resolveDpopOptions(options: DpopOptions, checkOrigin: (origin: unknown) => string | undefined): ResolvedDpopOptions {
  if (options === null || typeof options !== 'object') throw new ConfigError('DPoP options must be an object');
  checkOptionNames('DPoP', options, DPOP_OPTION_NAMES);
  const seconds = { min: 0, unit: 'seconds' };
  const iatWindow = checkNumber('`iatWindow`', options.iatWindow, 60, { min: 1, unit: 'seconds' });
  const clockTolerance = checkNumber('`clockTolerance`', options.clockTolerance, 0, seconds);
  const verifier = checkVerifier(options.verifier, undefined);
  return {
    algorithms: checkDpopAlgorithms(options.algorithms, verifier),
    verifier,
    window: iatWindow + clockTolerance,
    clockTolerance,
    origin: checkOrigin(options.origin),
    nonce: checkNonceOptions(options.nonce),
    maxProofLength: checkNumber('`maxProofLength`', options.maxProofLength, 8192, { min: 1, integer: true, unit: 'characters' }),
    maxJtiLength: checkNumber('`maxJtiLength`', options.maxJtiLength, 256, { min: 1, integer: true, unit: 'characters' }),
  };
}

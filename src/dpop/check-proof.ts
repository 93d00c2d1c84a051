import { createHash } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Algorithm, JwtPayload, VerifyOptions } from 'jsonwebtoken';
import type { JwtHeader } from '../jwt-types.js';
import { prepareClaimStep } from '../claim-step.js';
import {
  ConfigError,
  DpopNonceError,
  DpopProofError,
  ExpiredTokenError,
  InvalidTokenError,
  JwtOnceError,
  ReusedDpopProofError,
  ReusedTokenError,
} from '../errors.js';
import { checkOrigin, normalizeHtu, requestTarget } from './htu.js';
import { oneProof, ProofHeaders } from './proof-header.js';
import { perOptions } from '../options-cache.js';
import { resolveDpopOptions, type DpopOptions, type DpopProof, type DpopRequest } from './options.js';

const { verify, JsonWebTokenError } = jwt;

/** Checks DPoP proofs and claims them; resolves with the {@link DpopProof} or rejects with a `JwtOnceError`. */
export type DpopChecker = (proof: string | readonly string[] | null | undefined, request: DpopRequest) => Promise<DpopProof>;

/** `make(input)`, remembered for the last `limit` inputs. */
function memo(
  cache: Map<string, string | undefined>,
  input: string,
  make: (input: string) => string | undefined,
  limit = 256,
): string | undefined {
  if (cache.has(input)) return cache.get(input);
  const made = make(input);
  if (cache.size >= limit) cache.delete(cache.keys().next().value!);
  cache.set(input, made);
  return made;
}

/** RFC 9449 s8.1: `nonce = 1*NQCHAR`. */
const NONCE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function ath(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/**
 * Checks `options` once and returns a function that checks a DPoP proof
 * against a request (RFC 9449 s4.3, every step) and claims it atomically:
 *
 * 1. exactly one `DPoP` header; 2. a compact JWS; 4. `typ` is `dpop+jwt`;
 * 5. `alg` in the allow-list (asymmetric); 7. `jwk` a public key (no `d`, ...);
 * 6. the signature verifies with that `jwk`; 3. `jti`, `htm`, `htu`, `iat` present;
 * 8. `htm` equals the method; 9. `htu` equals the request URL (normalised,
 * without query and fragment); 11. `iat` within `iatWindow` (+ `clockTolerance`)
 * either side of now; 12. with an access token, `ath` is its hash and its
 * `cnf.jkt` the key's thumbprint; 10. the server nonce, when configured;
 * then the claim.
 *
 * The replay key is `(thumbprint, htu, jti)`: one client cannot spend
 * another's `jti`. The claim is held until `iat + iatWindow + clockTolerance`
 * (plus a one-second margin), the last instant the proof verifies, so even a
 * forward-dated `iat` cannot outlive its claim.
 *
 * @throws {ConfigError} on wrong options.
 * @example
 * import { createDpopChecker } from 'jwt-once/dpop';
 * const checkProof = createDpopChecker({ store: 'redis://127.0.0.1:6379' });
 * const { thumbprint } = await checkProof(req.headers.dpop, { method: 'POST', url: 'https://as.example/token' });
 */
export function createDpopChecker(options: DpopOptions = {}): DpopChecker {
  const resolved = resolveDpopOptions(options, checkOrigin);
  const { algorithms, verifier, window, clockTolerance, origin, nonce, maxProofLength, maxJtiLength } = resolved;
  // The claim step bounds the claim: no `exp` needed, `maxAge: 0` and a tolerance of the whole
  // window hold it until iat + window (+ its margin), and refuse an iat beyond now + window.
  const step = prepareClaimStep({
    clockTolerance: window,
    maxAge: 0,
    maxTtl: 2 * window + 1,
    maxTokenLength: maxProofLength,
    ...(options.store !== undefined && { store: options.store }),
    ...(options.allowNonAtomicStore !== undefined && { allowNonAtomicStore: options.allowNonAtomicStore }),
    ...(options.storeTimeout !== undefined && { storeTimeout: options.storeTimeout }),
    ...(options.onClaim !== undefined && { onClaim: options.onClaim }),
    ...(options.onReplay !== undefined && { onReplay: options.onReplay }),
    ...(options.now !== undefined && { now: options.now }),
  });
  const headers = new ProofHeaders(algorithms);
  // Clients call a few URLs over and over: their normalised forms are kept (the last 256 of each).
  const htus = new Map<string, string | undefined>();
  const targets = new Map<string, string | undefined>();
  const verifyOptions: VerifyOptions & { complete: true } = { algorithms: [], complete: true, clockTolerance };

  /** Checks 1, 2, 4, 5 and 7: one proof, its header, its key. */
  function parseProof(rawProof: Parameters<DpopChecker>[0], request: DpopRequest) {
    if (typeof request !== 'object' || request === null || typeof request.method !== 'string' || typeof request.url !== 'string') {
      throw new ConfigError('checkDpopProof needs the request as { method, url }');
    }
    const proof = oneProof(rawProof, maxProofLength);
    return { proof, ...headers.get(proof) };
  }

  type Parsed = ReturnType<typeof parseProof>;

  /** Check 6 with jsonwebtoken, synchronously. */
  function verifySync({ proof, alg, key }: Parsed, now: number): { header: JwtHeader; payload: unknown } {
    try {
      verifyOptions.algorithms = [alg as Algorithm];
      verifyOptions.clockTimestamp = Math.floor(now / 1000);
      return verify(proof, key, verifyOptions);
    } catch (err) {
      if (err instanceof DpopProofError) throw err;
      const reason = err instanceof JsonWebTokenError ? err.message : 'the proof is malformed';
      throw new DpopProofError(`The DPoP proof does not verify: ${reason}`);
    }
  }

  /** Check 6 with the configured `verifier` (e.g. jose, for EdDSA). */
  async function verifyAsync({ proof, alg, key }: Parsed, now: number): Promise<{ header: JwtHeader; payload: unknown }> {
    try {
      return await verifier!.verify(proof, key, { algorithms: [alg], clockTolerance, now });
    } catch (err) {
      // The verifier's texts speak of a token: keep the reason after "invalid: ", never its cause.
      const reason = err instanceof JwtOnceError ? /invalid: (.+)$/.exec(err.message)?.[1] : undefined;
      throw new DpopProofError(`The DPoP proof does not verify: ${reason ?? 'the proof is invalid'}`);
    }
  }

  /** Checks 3, 8, 9, 11 and 12 on a verified proof. */
  function checkClaims(
    { proof, jwk, thumbprint }: Parsed,
    verified: { header: JwtHeader; payload: unknown },
    request: DpopRequest,
    now: number,
  ) {
    if (typeof verified.payload !== 'object' || verified.payload === null || Array.isArray(verified.payload)) {
      throw new DpopProofError('The DPoP proof payload is not a JSON object');
    }
    const payload = verified.payload as JwtPayload;
    const { jti, htm, htu, iat } = payload as JwtPayload & { htm?: unknown; htu?: unknown };
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > maxJtiLength) {
      throw new DpopProofError(`The DPoP proof jti must be a non-empty string of at most ${maxJtiLength} characters`);
    }
    if (typeof htm !== 'string' || htm !== request.method) throw new DpopProofError('The DPoP proof htm does not match the request method');
    const proofHtu = typeof htu === 'string' ? memo(htus, htu, normalizeHtu) : undefined;
    if (proofHtu === undefined) throw new DpopProofError('The DPoP proof htu is not an http(s) URL');
    const target = memo(targets, request.url, (url) => requestTarget(url, origin));
    if (target === undefined) {
      if (request.url.startsWith('/') && origin === undefined)
        throw new ConfigError('The request URL must be absolute, or a path with the `origin` option set');
      throw new DpopProofError('The DPoP proof htu does not match the request URL'); // e.g. a Host header that makes no URL
    }
    if (proofHtu !== target) throw new DpopProofError('The DPoP proof htu does not match the request URL');
    if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new DpopProofError('The DPoP proof iat must be a number');
    // Accepted while now - window < iat <= now + window, the same bounds the claim step enforces.
    if (iat * 1000 > now + window * 1000 || (iat + window) * 1000 <= now) {
      throw new DpopProofError('The DPoP proof iat is outside the accepted window');
    }
    if (request.accessToken !== undefined) {
      if (typeof payload.ath !== 'string' || payload.ath !== ath(request.accessToken)) {
        throw new DpopProofError('The DPoP proof ath does not match the access token');
      }
    }
    if (request.accessTokenPayload !== undefined) {
      const cnf = (request.accessTokenPayload as { cnf?: { jkt?: unknown } }).cnf;
      if (typeof cnf !== 'object' || cnf === null || typeof cnf.jkt !== 'string') {
        throw new DpopProofError('The access token is not bound to a DPoP key (no cnf.jkt)');
      }
      if (cnf.jkt !== thumbprint) throw new DpopProofError('The DPoP proof key is not the key the access token is bound to');
    }
    const key = `dpop:${thumbprint}:${proofHtu.length}:${proofHtu}:${jti}`;
    return { proof, header: verified.header, jwk, payload: payload as JwtPayload, thumbprint, htu: proofHtu, key };
  }

  type Checked = ReturnType<typeof checkClaims>;

  function claim(checked: Checked, request: DpopRequest, now: number): Promise<DpopProof> {
    const { proof, header, jwk, payload, thumbprint, htu, key } = checked;
    return step.claimPayload(proof, header, payload, now, { scope: htu, request: request.request }, key).then(
      (won) => ({ thumbprint, jwk, htu, claim: won }),
      (err: unknown) => {
        if (err instanceof ReusedTokenError) throw new ReusedDpopProofError();
        if (err instanceof ExpiredTokenError || err instanceof InvalidTokenError)
          throw new DpopProofError(err.message.replace('token', 'DPoP proof'));
        throw err;
      },
    );
  }

  async function checkNonce(checked: Checked, request: DpopRequest, now: number): Promise<DpopProof> {
    const value = checked.payload.nonce;
    if (!(await nonce!.check(typeof value === 'string' ? value : undefined, request))) {
      const fresh = await nonce!.issue(request);
      if (typeof fresh !== 'string' || !NONCE.test(fresh)) {
        throw new ConfigError('`nonce.issue` must return printable ASCII without `"` or `\\` (RFC 9449 s8.1)');
      }
      throw new DpopNonceError(
        typeof value !== 'string' ? 'The DPoP proof must carry the server nonce' : 'The DPoP proof nonce is not valid',
        { nonce: fresh },
      );
    }
    return claim(checked, request, now);
  }

  function proceed(checked: Checked, request: DpopRequest, now: number): Promise<DpopProof> {
    return nonce === undefined ? claim(checked, request, now) : checkNonce(checked, request, now);
  }

  async function checkWithVerifier(parsed: Parsed, request: DpopRequest, now: number): Promise<DpopProof> {
    return proceed(checkClaims(parsed, await verifyAsync(parsed, now), request, now), request, now);
  }

  return function dpopChecker(rawProof, request) {
    let now: number;
    let checked: Checked;
    try {
      now = step.clock();
      const parsed = parseProof(rawProof, request);
      if (verifier !== undefined) return checkWithVerifier(parsed, request, now);
      checked = checkClaims(parsed, verifySync(parsed, now), request, now);
    } catch (err) {
      return Promise.reject(err);
    }
    return proceed(checked, request, now);
  };
}

const checkerFor = perOptions(createDpopChecker);
const NO_OPTIONS: DpopOptions = {};

/**
 * Checks one DPoP proof for a request and claims it: {@link createDpopChecker}
 * with options checked once per options object (cached).
 *
 * @example
 * import { checkDpopProof } from 'jwt-once/dpop';
 * const options = { store: 'sqlite://var/dpop.db' };
 * const { thumbprint } = await checkDpopProof(req.headers.dpop, { method: req.method, url: 'https://as.example/token' }, options);
 */
export function checkDpopProof(
  proof: Parameters<DpopChecker>[0],
  request: DpopRequest,
  options: DpopOptions = NO_OPTIONS,
): Promise<DpopProof> {
  try {
    return checkerFor(options)(proof, request);
  } catch (err) {
    return Promise.reject(err);
  }
}

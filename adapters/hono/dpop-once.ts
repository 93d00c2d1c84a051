import type { Context, MiddlewareHandler } from 'hono';
import { createDpopGuard, type DpopGuardOptions } from '../../src/dpop/dpop-guard.js';
import type { DpopProof } from '../../src/dpop/options.js';
import type { JwtOnceError } from '../../src/errors.js';
import { refuse } from '../../src/refusal.js';
import { sendRefusal } from './refusal.js';

/** The variable `dpopOnce` sets: `c.get('dpop')`. */
export type DpopOnceVariables = {
  /** The checked, claimed proof: key thumbprint, `htu`, claim. */
  dpop: DpopProof;
};

/** Options of the Hono {@link dpopOnce}. Functions of the request receive the Hono `Context`. */
export interface HonoDpopOptions extends DpopGuardOptions<Context> {
  /**
   * Replaces the default answer to a refused proof.
   * @default the status, `WWW-Authenticate: DPoP error="invalid_dpop_proof"` and an RFC 9457 problem body
   */
  onError?: (err: JwtOnceError, c: Context) => Response | Promise<Response>;
}

/** The adapter's own options, beside the {@link DpopGuardOptions}. */
const ADAPTER_OPTIONS = ['onError'] as const;

/**
 * Hono middleware that checks the request's DPoP proof (RFC 9449 s4.3) and
 * lets each proof through once. The URL compared with `htu` is `c.req.url`,
 * or the `origin` option followed by its path. Several `DPoP` header lines
 * reach Hono joined with a comma, and are refused as such. On success
 * `c.get('dpop')` holds the proof. Anything that is not a refusal (a
 * request-time `ConfigError`, a throwing `onError`, `accessTokenPayload` or
 * `nonce` callback) is rethrown to Hono's error handling (`app.onError`).
 *
 * @example
 * import { dpopOnce } from 'jwt-once/hono';
 * app.post('/token', dpopOnce({ origin: 'https://as.example.com' }), (c) => c.json({ jkt: c.get('dpop').thumbprint }));
 */
export function dpopOnce(options: HonoDpopOptions = {}): MiddlewareHandler<{ Variables: DpopOnceVariables }> {
  const guard = createDpopGuard<Context>(options, ADAPTER_OPTIONS);
  const { onError } = options;

  return async function dpopOnceMiddleware(c, next) {
    let proof: DpopProof;
    try {
      proof = await guard.check(c, {
        method: c.req.method,
        url: c.req.url,
        proof: c.req.header('dpop'),
        authorization: c.req.header('authorization'),
      });
    } catch (err) {
      // A fault (not a refusal) is rethrown by refuse(), to Hono's app.onError.
      return refuse<Response | Promise<Response>>(err, onError && ((refusal) => onError(refusal, c)), sendRefusal(c));
    }
    c.set('dpop', proof);
    return next();
  };
}

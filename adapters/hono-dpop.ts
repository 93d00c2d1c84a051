import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { createDpopGuard, type DpopGuardOptions } from '../src/dpop/dpop-guard.js';
import type { DpopProof } from '../src/dpop/options.js';
import { JwtOnceError } from '../src/errors.js';
import { errorResponse } from '../src/http-response.js';

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

/**
 * Hono middleware that checks the request's DPoP proof (RFC 9449 s4.3) and
 * lets each proof through once. The URL compared with `htu` is `c.req.url`,
 * or the `origin` option followed by its path. Several `DPoP` header lines
 * reach Hono joined with a comma, and are refused as such. On success
 * `c.get('dpop')` holds the proof.
 *
 * @example
 * import { dpopOnce } from 'jwt-once/hono';
 * app.post('/token', dpopOnce({ origin: 'https://as.example.com' }), (c) => c.json({ jkt: c.get('dpop').thumbprint }));
 */
export function dpopOnce(options: HonoDpopOptions = {}): MiddlewareHandler<{ Variables: DpopOnceVariables }> {
  const guard = createDpopGuard<Context>(options);
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
      if (!(err instanceof JwtOnceError)) throw err;
      if (onError !== undefined) return onError(err, c);
      const answer = errorResponse(err);
      return c.body(answer.body, answer.status as ContentfulStatusCode, answer.headers);
    }
    c.set('dpop', proof);
    return next();
  };
}

export type { DpopGuardOptions, DpopProof };

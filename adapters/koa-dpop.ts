import type { Context, Middleware, Next, ParameterizedContext } from 'koa';
import { createDpopGuard, type DpopGuardOptions } from '../src/dpop/dpop-guard.js';
import type { DpopProof } from '../src/dpop/options.js';
import { requestUrl } from '../src/dpop/request-url.js';
import { JwtOnceError } from '../src/errors.js';
import { errorResponse } from '../src/http-response.js';

/** What `dpopOnce` puts on `ctx.state`. */
export interface DpopOnceState {
  /** The checked, claimed proof: key thumbprint, `htu`, claim. */
  dpop: DpopProof;
}

/** Options of the Koa {@link dpopOnce}. Functions of the request receive the Koa `ctx`. */
export interface KoaDpopOptions extends DpopGuardOptions<Context> {
  /**
   * Replaces the default answer to a refused proof.
   * @default the status, `WWW-Authenticate: DPoP error="invalid_dpop_proof"` and an RFC 9457 problem body
   */
  onError?: (err: JwtOnceError, ctx: Context, next: Next) => unknown;
}

/**
 * Koa middleware that checks the request's DPoP proof (RFC 9449 s4.3) and
 * lets each proof through once. The URL compared with `htu` is
 * `ctx.protocol://ctx.host + ctx.originalUrl` (set `app.proxy` behind a proxy), or the
 * `origin` option followed by `ctx.originalUrl`; without `origin`, a host that
 * is not a plain `host[:port]` is refused (401). On success
 * `ctx.state.dpop` holds the proof. Only the check is inside the error
 * handling: errors thrown downstream keep their own status.
 *
 * @example
 * import { dpopOnce } from 'jwt-once/koa';
 * router.post('/token', dpopOnce({ store: 'sqlite://var/dpop.db' }), (ctx) => {
 *   ctx.body = { jkt: ctx.state.dpop.thumbprint };
 * });
 */
export function dpopOnce(options: KoaDpopOptions = {}): Middleware<DpopOnceState> {
  const guard = createDpopGuard<Context>(options);
  const { onError, origin } = options;

  return async function dpopOnceMiddleware(ctx: ParameterizedContext<DpopOnceState>, next: Next): Promise<unknown> {
    let proof: DpopProof;
    try {
      proof = await guard.check(ctx, {
        method: ctx.method,
        url: origin === undefined ? requestUrl(ctx.protocol, ctx.host, ctx.originalUrl) : ctx.originalUrl,
        proof: ctx.req.headersDistinct.dpop,
        authorization: ctx.get('authorization') || undefined,
      });
    } catch (err) {
      if (!(err instanceof JwtOnceError)) throw err;
      if (onError !== undefined) return onError(err, ctx, next);
      const answer = errorResponse(err);
      ctx.status = answer.status;
      ctx.set(answer.headers);
      ctx.body = answer.body;
      return undefined;
    }
    ctx.state.dpop = proof;
    return next();
  };
}

export type { DpopGuardOptions, DpopProof };

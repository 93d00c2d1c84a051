import type { Context, Middleware, Next, ParameterizedContext } from 'koa';
import { createDpopGuard, type DpopGuardOptions } from '../../src/dpop/dpop-guard.js';
import type { DpopProof } from '../../src/dpop/options.js';
import { requestUrl } from '../../src/dpop/request-url.js';
import type { JwtOnceError } from '../../src/errors.js';
import { refuse } from '../../src/refusal.js';
import { sendRefusal } from './refusal.js';

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

/** The adapter's own options, beside the {@link DpopGuardOptions}. */
const ADAPTER_OPTIONS = ['onError'] as const;

/**
 * Koa middleware that checks the request's DPoP proof (RFC 9449 s4.3) and
 * lets each proof through once. The URL compared with `htu` is
 * `ctx.protocol://ctx.host + ctx.originalUrl` (set `app.proxy` behind a proxy), or the
 * `origin` option followed by `ctx.originalUrl`; without `origin`, a host that
 * is not a plain `host[:port]` is refused (401). On success
 * `ctx.state.dpop` holds the proof. Only the check is inside the error
 * handling: errors thrown downstream keep their own status. Anything that is
 * not a refusal (a request-time `ConfigError`, a throwing `onError`,
 * `accessTokenPayload` or `nonce` callback) is rethrown to Koa's error
 * handling (500), never a pass.
 *
 * @example
 * import { dpopOnce } from 'jwt-once/koa';
 * router.post('/token', dpopOnce({ store: 'sqlite://var/dpop.db' }), (ctx) => {
 *   ctx.body = { jkt: ctx.state.dpop.thumbprint };
 * });
 */
export function dpopOnce(options: KoaDpopOptions = {}): Middleware<DpopOnceState> {
  const guard = createDpopGuard<Context>(options, ADAPTER_OPTIONS);
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
      // A fault (not a refusal) is rethrown by refuse(), to Koa's error handling.
      return refuse<unknown>(err, onError && ((refusal) => onError(refusal, ctx, next)), sendRefusal(ctx));
    }
    ctx.state.dpop = proof;
    return next();
  };
}

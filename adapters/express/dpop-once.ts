import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createDpopGuard, type DpopGuardOptions } from '../../src/dpop/dpop-guard.js';
import type { DpopProof } from '../../src/dpop/options.js';
import { requestUrl } from '../../src/dpop/request-url.js';
import type { JwtOnceError } from '../../src/errors.js';
import { refuse } from '../../src/refusal.js';
import { expressMiddleware, sendRefusal } from './refusal.js';

/** The request after `dpopOnce` let it through. */
export type DpopOnceRequest = Request & {
  /** The checked, claimed proof: key thumbprint, `htu`, claim. */
  dpop?: DpopProof;
};

/** Options of the Express {@link dpopOnce}. Functions of the request receive the Express `req`. */
export interface ExpressDpopOptions extends DpopGuardOptions<Request> {
  /**
   * Replaces the default answer to a refused proof.
   * @default the status, `WWW-Authenticate: DPoP error="invalid_dpop_proof"` and an RFC 9457 problem body
   */
  onError?: (err: JwtOnceError, req: Request, res: Response, next: NextFunction) => void;
}

/** The adapter's own options, beside the {@link DpopGuardOptions}. */
const ADAPTER_OPTIONS = ['onError'] as const;

/**
 * Express middleware that checks the request's DPoP proof (RFC 9449 s4.3)
 * and lets each proof through once. The URL compared with `htu` is
 * `req.protocol://host + req.originalUrl` (set `trust proxy` behind a proxy),
 * or the `origin` option followed by `req.originalUrl`. Without `origin`, a
 * `Host` header that is not a plain `host[:port]` is refused (401). With
 * `Authorization: DPoP <token>`, the proof's `ath` must match the token.
 * On success `req.dpop` holds the proof; a refused proof gets a 401 with
 * `WWW-Authenticate: DPoP error="invalid_dpop_proof"`, a store failure a 503.
 *
 * Anything that is not a refusal (a request-time `ConfigError`, a throwing or
 * rejecting `onError`, `accessTokenPayload` or `nonce` callback) goes to
 * `next(err)`, on Express 4 as on 5: never an unhandled rejection, never a pass.
 *
 * @example
 * import { dpopOnce } from 'jwt-once/express';
 * app.post('/token', dpopOnce({ origin: 'https://as.example.com', store: 'redis://127.0.0.1:6379' }), (req, res) => {
 *   res.json({ token_type: 'DPoP', jkt: (req as DpopOnceRequest).dpop!.thumbprint });
 * });
 */
export function dpopOnce(options: ExpressDpopOptions = {}): RequestHandler {
  const guard = createDpopGuard<Request>(options, ADAPTER_OPTIONS);
  const { onError, origin } = options;

  async function guarded(req: Request, res: Response, next: NextFunction): Promise<void> {
    let proof: DpopProof;
    try {
      proof = await guard.check(req, {
        method: req.method,
        url: origin === undefined ? requestUrl(req.protocol, req.get('host'), req.originalUrl) : req.originalUrl,
        proof: req.headersDistinct.dpop,
        authorization: req.headers.authorization,
      });
    } catch (err) {
      // A fault (not a refusal) is rethrown by refuse() and reaches next(err) through expressMiddleware.
      return refuse(err, onError && ((refusal) => onError(refusal, req, res, next)), sendRefusal(res));
    }
    (req as DpopOnceRequest).dpop = proof;
    next();
  }

  return expressMiddleware('dpopOnceMiddleware', guarded);
}

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createDpopGuard, type DpopGuardOptions } from '../src/dpop/dpop-guard.js';
import type { DpopProof } from '../src/dpop/options.js';
import { requestUrl } from '../src/dpop/request-url.js';
import { JwtOnceError } from '../src/errors.js';
import { errorResponse } from '../src/http-response.js';

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
 * Anything that is not a refusal (a throwing or rejecting `onError`,
 * `accessTokenPayload` or `nonce` callback) goes to `next(err)`, on Express 4
 * as on 5: never an unhandled rejection, never a pass.
 *
 * @example
 * import { dpopOnce } from 'jwt-once/express';
 * app.post('/token', dpopOnce({ origin: 'https://as.example.com', store: 'redis://127.0.0.1:6379' }), (req, res) => {
 *   res.json({ token_type: 'DPoP', jkt: (req as DpopOnceRequest).dpop!.thumbprint });
 * });
 */
export function dpopOnce(options: ExpressDpopOptions = {}): RequestHandler {
  const guard = createDpopGuard<Request>(options);
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
      if (!(err instanceof JwtOnceError)) return next(err);
      if (onError !== undefined) return onError(err, req, res, next);
      const answer = errorResponse(err);
      res.status(answer.status).set(answer.headers).send(answer.body);
      return;
    }
    (req as DpopOnceRequest).dpop = proof;
    next();
  }

  // Express 4 ignores the promise a handler returns: whatever throws after the
  // first await (onError, accessTokenPayload, a nonce callback) would be an
  // unhandled rejection, which ends the process. Catch it here, on 4 as on 5.
  return function dpopOnceMiddleware(req: Request, res: Response, next: NextFunction): void {
    guarded(req, res, next).catch(next);
  };
}

export type { DpopGuardOptions, DpopProof };

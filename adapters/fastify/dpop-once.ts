import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { createDpopGuard, type DpopGuardOptions } from '../../src/dpop/dpop-guard.js';
import type { DpopProof } from '../../src/dpop/options.js';
import { requestUrl } from '../../src/dpop/request-url.js';
import type { JwtOnceError } from '../../src/errors.js';
import { refuse } from '../../src/refusal.js';
import { sendRefusal } from './refusal.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The checked, claimed DPoP proof, set by `dpopOnce`. Declare it once: `app.decorateRequest('dpop', null)`. */
    dpop: DpopProof | null;
  }
}

/** Options of the Fastify {@link dpopOnce}. Functions of the request receive the `FastifyRequest`. */
export interface FastifyDpopOptions extends DpopGuardOptions<FastifyRequest> {
  /**
   * Replaces the default answer to a refused proof: send it with `reply`.
   * @default the status, `WWW-Authenticate: DPoP error="invalid_dpop_proof"` and an RFC 9457 problem body
   */
  onError?: (err: JwtOnceError, request: FastifyRequest, reply: FastifyReply) => unknown;
}

/** The adapter's own options, beside the {@link DpopGuardOptions}. */
const ADAPTER_OPTIONS = ['onError'] as const;

/**
 * A Fastify `onRequest` hook that checks the request's DPoP proof (RFC 9449
 * s4.3) and lets each proof through once, for a route's `onRequest` option
 * or `app.addHook`. The URL compared with `htu` is
 * `request.protocol://request.host + request.url` (set `trustProxy` behind a
 * proxy), or the `origin` option followed by `request.url`; without
 * `origin`, a host that is not a plain `host[:port]` is refused (401). On success
 * `request.dpop` holds the proof; decorate it once with
 * `app.decorateRequest('dpop', null)` so every request keeps one shape.
 * Refusals are sent with `reply.code().headers().send()`, not thrown;
 * anything else (a request-time `ConfigError`, a throwing `onError`,
 * `accessTokenPayload` or `nonce` callback) rejects the hook, so Fastify's
 * error handler answers it (5xx), never a pass.
 *
 * @example
 * import { dpopOnce } from 'jwt-once/fastify';
 * app.decorateRequest('dpop', null);
 * app.post('/token', { onRequest: dpopOnce({ store: 'redis://127.0.0.1:6379' }) }, async (request) => ({
 *   jkt: request.dpop!.thumbprint,
 * }));
 */
export function dpopOnce(options: FastifyDpopOptions = {}): onRequestHookHandler {
  const guard = createDpopGuard<FastifyRequest>(options, ADAPTER_OPTIONS);
  const { onError, origin } = options;

  return async function dpopOnceHook(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    let proof: DpopProof;
    try {
      proof = await guard.check(request, {
        method: request.method,
        url: origin === undefined ? requestUrl(request.protocol, request.host, request.url) : request.url,
        proof: request.raw.headersDistinct.dpop,
        authorization: request.headers.authorization,
      });
    } catch (err) {
      // A fault (not a refusal) is rethrown by refuse(): the hook rejects, Fastify's error handler answers.
      // Returning the reply tells Fastify the hook answered: the route handler does not run.
      const answered =
        onError &&
        (async (refusal: JwtOnceError): Promise<FastifyReply> => {
          await onError(refusal, request, reply);
          return reply;
        });
      return refuse<FastifyReply | Promise<FastifyReply>>(err, answered, sendRefusal(reply));
    }
    request.dpop = proof;
    return undefined;
  };
}

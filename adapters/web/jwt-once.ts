// Only Web-standard types (Request, Response, Headers) in the signatures:
// the same code serves Node, Bun, Deno, Workers and Next.js route handlers.
import { ConfigError, type JwtOnceError } from '../../src/errors.js';
import type { Claim } from '../../src/options.js';
import { createRequestGuard, type GuardOptions, type RequestGuard } from '../../src/request-guard.js';
import { refuse } from '../../src/refusal.js';

/** Options of {@link createWebGuard} and {@link withJwtOnce}. Functions of the request receive the `Request`. */
export type WebJwtOnceOptions = GuardOptions<Request> & {
  /**
   * Replaces the default answer to a refused token. Receives the
   * `JwtOnceError` (its `code` and `status` say what happened).
   * @default answers with the status, an RFC 6750 challenge and an RFC 9457 problem body
   */
  onError?: (err: JwtOnceError, request: Request) => Response | Promise<Response>;
};

/** What {@link createWebGuard}'s function gives: the claim, or the refusal as a ready `Response`. */
export type WebClaimOutcome = { ok: true; claim: Claim } | { ok: false; response: Response };

/**
 * Builds a function that reads the token of a `Request` (the `Authorization:
 * Bearer` header, else the named `cookie`, or `getToken`), verifies and claims
 * it. It resolves with `{ ok: true, claim }` the first time and with
 * `{ ok: false, response }` for a missing, invalid, expired or reused token
 * (401) or a store failure (503): the same status, headers and body the
 * Express, Koa, Hono and Fastify adapters send. Anything that is not a
 * refusal rejects, to be answered by your runtime's or framework's error
 * handling: a `ConfigError` at request time (a `scope` that returns no
 * string, say), a throwing `getToken`, `scope`, `verifiedPayload` or
 * `onError`.
 *
 * `releaseOnError` is for {@link withJwtOnce}; with this function, call
 * `claim.release()` yourself when the work fails.
 *
 * With no `secret` it reads `JWT_ONCE_SECRET` (and `JWT_ONCE_ALGORITHMS`,
 * `JWT_ONCE_ISSUER`, `JWT_ONCE_AUDIENCE`) from `process.env`, and throws at
 * creation when there is none.
 *
 * @example
 * import { createWebGuard } from 'jwt-once/web';
 * const guard = createWebGuard({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'] });
 * export async function POST(request: Request): Promise<Response> {
 *   const outcome = await guard(request);
 *   if (!outcome.ok) return outcome.response;
 *   return Response.json({ user: outcome.claim.payload.sub });
 * }
 */
export function createWebGuard(options: WebJwtOnceOptions): (request: Request) => Promise<WebClaimOutcome> {
  return webGuard(options).claimRequest;
}

function webGuard(options: WebJwtOnceOptions): {
  guard: RequestGuard<Request>;
  claimRequest: (request: Request) => Promise<WebClaimOutcome>;
} {
  const guard = createRequestGuard<Request>(options, undefined, ['onError']);
  const onError = options?.onError;

  // A fault (not a refusal) is rethrown by refuse(): the promise rejects, for the caller or the runtime.
  const refused = async (err: unknown, request: Request): Promise<WebClaimOutcome> => ({
    ok: false,
    response: await refuse<Response | Promise<Response>>(
      err,
      onError && ((refusal) => onError(refusal, request)),
      (answer) => new Response(answer.body, { status: answer.status, headers: answer.headers }),
    ),
  });

  function claimRequest(request: Request): Promise<WebClaimOutcome> {
    return guard
      .claim(request, (name) => request.headers.get(name) ?? undefined)
      .then(
        (claim): WebClaimOutcome => ({ ok: true, claim }),
        (err: unknown) => refused(err, request),
      );
  }
  return { guard, claimRequest };
}

/**
 * Wraps a `Request` → `Response` handler so it runs only for a token's first
 * presentation; refusals get {@link createWebGuard}'s `Response`. Extra
 * arguments are passed through (Deno's `info`, Workers' `env` and `ctx`,
 * Next.js's route `context`).
 *
 * With `releaseOnError`, the claim is released before the answer is returned
 * when the handler throws (the error is rethrown) or returns a status of 500
 * or more, so the client may present the token again. Faults (anything that
 * is not a refusal, a request-time `ConfigError` included) reject the
 * returned promise, like an exception of the handler itself.
 *
 * @example
 * import { withJwtOnce } from 'jwt-once/web';
 * const handler = withJwtOnce((request, claim) => Response.json({ user: claim.payload.sub }), {
 *   secret: process.env.LINK_SECRET!,
 *   algorithms: ['HS256'],
 * });
 * Bun.serve({ fetch: handler }); // or Deno.serve(handler), or `export const POST = handler` in Next.js
 */
export function withJwtOnce<Args extends unknown[]>(
  handler: (request: Request, claim: Claim, ...args: Args) => Response | Promise<Response>,
  options: WebJwtOnceOptions,
): (request: Request, ...args: Args) => Promise<Response> {
  if (typeof handler !== 'function') throw new ConfigError('withJwtOnce(handler, options): `handler` must be a function');
  const { guard, claimRequest } = webGuard(options);

  return async function jwtOnceHandler(request: Request, ...args: Args): Promise<Response> {
    const outcome = await claimRequest(request);
    if (!outcome.ok) return outcome.response;
    if (!guard.releaseOnError) return handler(request, outcome.claim, ...args);
    let response: Response;
    try {
      response = await handler(request, outcome.claim, ...args);
    } catch (err) {
      await guard.settle(outcome.claim, { threw: true, status: 500 });
      throw err;
    }
    await guard.settle(outcome.claim, { threw: false, status: response.status });
    return response;
  };
}

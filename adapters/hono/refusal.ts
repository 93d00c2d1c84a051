// How both Hono middlewares (jwtOnce, dpopOnce) write a refusal.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorResponse } from '../../src/http-response.js';

/**
 * Answers a refusal's default answer through `c`.
 *
 * @example
 * return refuse(err, undefined, sendRefusal(c));
 */
export function sendRefusal(c: Context): (answer: ErrorResponse) => Response {
  return (answer) => c.body(answer.body, answer.status as ContentfulStatusCode, answer.headers);
}

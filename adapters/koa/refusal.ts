// How both Koa middlewares (jwtOnce, dpopOnce) write a refusal.
import type { Context } from 'koa';
import type { ErrorResponse } from '../../src/http-response.js';

/**
 * Writes a refusal's default answer on `ctx`.
 *
 * @example
 * return refuse(err, undefined, sendRefusal(ctx));
 */
export function sendRefusal(ctx: Context): (answer: ErrorResponse) => undefined {
  return (answer) => {
    ctx.status = answer.status;
    ctx.set(answer.headers);
    ctx.body = answer.body;
    return undefined;
  };
}

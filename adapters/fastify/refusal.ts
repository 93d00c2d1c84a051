// How both Fastify hooks (jwtOnce, dpopOnce) write a refusal: sent, not thrown (@fastify/jwt's way).
import type { FastifyReply } from 'fastify';
import type { ErrorResponse } from '../../src/http-response.js';

/**
 * Sends a refusal's default answer with `reply.code().headers().send()`, and
 * returns the reply (an async hook returning it tells Fastify it answered).
 *
 * @example
 * return refuse(err, undefined, sendRefusal(reply));
 */
export function sendRefusal(reply: FastifyReply): (answer: ErrorResponse) => FastifyReply {
  return (answer) => reply.code(answer.status).headers(answer.headers).send(answer.body);
}

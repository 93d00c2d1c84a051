// A refusal as a Nest HttpException, and the filter that answers it as every other adapter does.
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { JwtOnceError } from '../../src/errors.js';
import { errorResponse, type ErrorResponse } from '../../src/http-response.js';
import { refuse } from '../../src/refusal.js';
import { sendRefusal as sendExpress } from '../express/refusal.js';
import { sendRefusal as sendFastify } from '../fastify/refusal.js';

/**
 * What `JwtOnceGuard` throws for a refused token: an `HttpException` with
 * the refusal's status (401, 400 or 503) whose response is the RFC 9457
 * problem object, never `false` (which Nest turns into 403). `refusal` is the
 * `JwtOnceError` (its `code`), `answer` the status, headers
 * (`WWW-Authenticate`, `Retry-After`) and body {@link JwtOnceExceptionFilter}
 * sends: a filter of your own that catches it can use them.
 *
 * @example
 * @Catch(JwtOnceHttpException)
 * class MyFilter implements ExceptionFilter {
 *   catch(exception: JwtOnceHttpException, host: ArgumentsHost) {
 *     host.switchToHttp().getResponse().status(exception.getStatus()).set(exception.answer.headers).json({ code: exception.refusal.code });
 *   }
 * }
 */
export class JwtOnceHttpException extends HttpException {
  /** The refusal: `code`, `status`, `message`. */
  readonly refusal: JwtOnceError;
  /** The default answer: status, headers, serialized problem body. */
  readonly answer: ErrorResponse;

  constructor(refusal: JwtOnceError) {
    const answer = errorResponse(refusal);
    super(JSON.parse(answer.body) as Record<string, unknown>, answer.status, { cause: refusal });
    this.refusal = refusal;
    this.answer = answer;
  }
}

/**
 * The exception for `err`: a {@link JwtOnceHttpException} for a refusal;
 * anything else (a `ConfigError` at request time, a throwing `getToken`,
 * `scope` or `verifiedPayload`) is thrown as it is, for Nest's exception
 * handling (500), never a pass.
 *
 * @throws {unknown} `err` itself when it is not a refusal.
 * @example
 * throw refusalException(err);
 */
export function refusalException(err: unknown): JwtOnceHttpException {
  return refuse(err, undefined, () => new JwtOnceHttpException(err as JwtOnceError));
}

/** Fastify's reply (Nest's Fastify platform) has `raw` and `code()`; Express's response has neither. */
function isFastifyReply(response: object): boolean {
  return 'raw' in response && typeof (response as { code?: unknown }).code === 'function';
}

/**
 * Answers a {@link JwtOnceHttpException} exactly as the other adapters
 * answer a refusal: status, `WWW-Authenticate` (or `Retry-After`),
 * `content-type: application/problem+json` and the problem body. Registered
 * globally (`APP_FILTER`) by `JwtOnceModule`; a filter of yours registered
 * later, or on a controller or route, that catches the exception answers
 * instead.
 *
 * @example
 * app.useGlobalFilters(new JwtOnceExceptionFilter()); // only without JwtOnceModule
 */
@Catch(JwtOnceHttpException)
export class JwtOnceExceptionFilter implements ExceptionFilter<JwtOnceHttpException> {
  catch(exception: JwtOnceHttpException, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<object>();
    if (isFastifyReply(response)) void sendFastify(response as never)(exception.answer);
    else sendExpress(response as never)(exception.answer);
  }
}

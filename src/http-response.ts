import { DpopNonceError, type JwtOnceError } from './errors.js';

/** A framework-neutral HTTP answer to a refused token. */
export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  /** RFC 9457 problem details, serialized. */
  body: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * What a client is told on a 5xx, whatever the error says: the message of a
 * server-side failure can name a store's host, port or path.
 */
const SERVER_DETAILS: Record<number, string> = {
  503: 'The claim store is unavailable; retry later',
};
const SERVER_DETAIL = 'The request could not be checked';

/** Seconds a client is told to wait after a store failure. */
export const RETRY_AFTER_SECONDS = 1;

/** Makes text safe inside an RFC 6750 quoted-string (no quotes, backslashes or controls). */
function quotable(text: string): string {
  return text.replace(/[^\x20-\x7e]|["\\]/g, '');
}

/**
 * The answer every adapter gives for a {@link JwtOnceError}: its status; for
 * 401 an RFC 6750 `WWW-Authenticate: Bearer` challenge (with
 * `error="invalid_token"` unless no token was presented); for 503 a
 * `Retry-After`; and an `application/problem+json` body (RFC 9457) with the
 * error's `code`. A 5xx body carries a fixed `detail` per status, never the
 * error's message (which may name the store's host, port or path).
 * A refused DPoP proof gets `WWW-Authenticate: DPoP
 * error="invalid_dpop_proof"` (RFC 9449 s7.1), or `error="use_dpop_nonce"`
 * and a `DPoP-Nonce` header when a server nonce is required (s8).
 *
 * @example
 * const { status, headers, body } = errorResponse(err);
 * res.writeHead(status, headers).end(body);
 */
export function errorResponse(err: JwtOnceError): ErrorResponse {
  const status = err.status;
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (err.code.startsWith('ERR_JWT_ONCE_DPOP')) {
    // RFC 9449 s7.1 and s8: a refused DPoP proof is challenged with the DPoP scheme.
    const error = err instanceof DpopNonceError ? 'use_dpop_nonce' : 'invalid_dpop_proof';
    headers['www-authenticate'] = `DPoP error="${error}", error_description="${quotable(err.message)}"`;
    if (err instanceof DpopNonceError && err.nonce !== undefined) headers['dpop-nonce'] = err.nonce;
  } else if (status === 400) {
    headers['www-authenticate'] = `Bearer error="invalid_request", error_description="${quotable(err.message)}"`;
  } else if (status === 401) {
    headers['www-authenticate'] =
      err.code === 'ERR_JWT_ONCE_MISSING' ? 'Bearer' : `Bearer error="invalid_token", error_description="${quotable(err.message)}"`;
  } else if (status === 503) {
    headers['retry-after'] = String(RETRY_AFTER_SECONDS);
  }
  const body = JSON.stringify({
    type: 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    detail: status >= 500 ? (SERVER_DETAILS[status] ?? SERVER_DETAIL) : err.message,
    code: err.code,
  });
  return { status, headers, body };
}

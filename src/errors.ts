/**
 * Every error jwt-once raises. Each has a stable `code` to switch on and the
 * HTTP `status` an adapter answers with. Messages say what happened and never
 * contain the token, a secret or a key.
 */

/** The closed set of codes, so `switch (err.code)` narrows. */
export type JwtOnceErrorCode =
  | 'ERR_JWT_ONCE_MISSING'
  | 'ERR_JWT_ONCE_MALFORMED'
  | 'ERR_JWT_ONCE_INVALID'
  | 'ERR_JWT_ONCE_EXPIRED'
  | 'ERR_JWT_ONCE_REUSED'
  | 'ERR_JWT_ONCE_STORE'
  | 'ERR_JWT_ONCE_JWKS_UNAVAILABLE'
  | 'ERR_JWT_ONCE_CONFIG'
  | 'ERR_JWT_ONCE_DPOP'
  | 'ERR_JWT_ONCE_DPOP_REUSED'
  | 'ERR_JWT_ONCE_DPOP_NONCE';

/**
 * Base class of every jwt-once error.
 *
 * @example
 * try {
 *   await claimToken(token, options);
 * } catch (err) {
 *   if (err instanceof JwtOnceError) console.warn(err.code, err.status);
 *   else throw err;
 * }
 */
export class JwtOnceError extends Error {
  /** Stable machine-readable code. */
  readonly code: JwtOnceErrorCode;
  /** HTTP status an adapter answers with. */
  readonly status: number;

  constructor(code: JwtOnceErrorCode, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
  }
}

/** No token was presented (401). The challenge carries no error code (RFC 6750 s3.1). */
export class MissingTokenError extends JwtOnceError {
  static readonly code = 'ERR_JWT_ONCE_MISSING' as const;
  constructor(message = 'No bearer token was presented', options?: { cause?: unknown }) {
    super(MissingTokenError.code, 401, message, options);
  }
}

/**
 * The request uses the `Bearer` scheme but its credential is malformed (400):
 * no token after the scheme, or spaces, tabs or commas in it (e.g. two
 * `Authorization` lines joined into one). RFC 6750 s3.1 `invalid_request`.
 * Nothing is claimed, and no other place (such as a cookie) is looked at.
 */
export class MalformedRequestError extends JwtOnceError {
  static readonly code = 'ERR_JWT_ONCE_MALFORMED' as const;
  constructor(message = 'The Authorization header is malformed', options?: { cause?: unknown }) {
    super(MalformedRequestError.code, 400, message, options);
  }
}

/**
 * The token does not verify or cannot be made single-use (401): malformed,
 * bad signature, wrong algorithm, audience, issuer or subject, not yet valid,
 * no usable expiry, lifetime above `maxTtl`, or `validate` refused it.
 */
export class InvalidTokenError extends JwtOnceError {
  static readonly code = 'ERR_JWT_ONCE_INVALID' as const;
  constructor(message = 'The token is invalid', options?: { cause?: unknown }) {
    super(InvalidTokenError.code, 401, message, options);
  }
}

/** The token has expired (401). It was not claimed. */
export class ExpiredTokenError extends JwtOnceError {
  static readonly code = 'ERR_JWT_ONCE_EXPIRED' as const;
  /** When the token expired. */
  readonly expiredAt: Date | undefined;
  constructor(message = 'The token has expired', options?: { cause?: unknown; expiredAt?: Date }) {
    super(ExpiredTokenError.code, 401, message, options);
    this.expiredAt = options?.expiredAt;
  }
}

/** The token was already used (401): this presentation is a replay. */
export class ReusedTokenError extends JwtOnceError {
  static readonly code = 'ERR_JWT_ONCE_REUSED' as const;
  constructor(message = 'The token has already been used', options?: { cause?: unknown }) {
    super(ReusedTokenError.code, 401, message, options);
  }
}

/** The message and every `cause` below it, joined: what an operator needs in a log line. */
function causeChain(message: string, cause: unknown): string {
  const parts = [message];
  for (let next = cause, depth = 0; next !== undefined && next !== null && depth < 5; depth++) {
    parts.push(next instanceof Error ? next.message : String(next));
    next = next instanceof Error ? next.cause : undefined;
  }
  return parts.filter((part) => part !== '').join(': ');
}

/**
 * The claim store could not answer in time (503). The token was refused, never
 * accepted: jwt-once fails closed. Retrying later is safe.
 *
 * Adapters answer it with a fixed message and the code only. What failed (a
 * host and port, a file path, a missing package) stays on the error, in
 * `message`, `cause` and `detail`, for `onError`, `onStoreError` and logs.
 */
export class StoreError extends JwtOnceError {
  static readonly code = 'ERR_JWT_ONCE_STORE' as const;
  /**
   * What failed, for operators: the message and the messages of its `cause`
   * chain (e.g. `The claim store failed: connect ECONNREFUSED 127.0.0.1:6379`).
   * May name the store's host, port or path: log it, never send it to a client.
   */
  readonly detail: string;
  constructor(message = 'The claim store is unavailable', options?: { cause?: unknown; detail?: string }) {
    super(StoreError.code, 503, message, options);
    this.detail = options?.detail ?? causeChain(message, options?.cause);
  }
}

/**
 * The key set (JWKS) a token needs could not be fetched (503), and no cached
 * keys may stand in for it: the fetch failed, timed out or gave no usable key
 * set, and the last good set is missing or older than `maxStale`. The token
 * was refused, never accepted, and not claimed: retrying later is safe.
 *
 * Adapters answer it with a fixed message and the code only. Which URL failed
 * and why stays on the error, in `detail` and `cause`, for logs.
 *
 * @example
 * try {
 *   await claimToken(token, { secret: jwks({ uri }), algorithms: ['RS256'] });
 * } catch (err) {
 *   if (err instanceof JwksUnavailableError) logger.warn({ detail: err.detail }, 'key set down');
 * }
 */
export class JwksUnavailableError extends JwtOnceError {
  static readonly code = 'ERR_JWT_ONCE_JWKS_UNAVAILABLE' as const;
  /**
   * What failed, for operators: the message and its `cause` chain, e.g.
   * `The key set at https://idp.example/jwks.json did not answer within 5000 ms`.
   * Names the key set's URL: log it, never send it to a client.
   */
  readonly detail: string;
  constructor(message = 'The key set is unavailable', options?: { cause?: unknown; detail?: string }) {
    super(JwksUnavailableError.code, 503, message, options);
    this.detail = options?.detail ?? causeChain(message, options?.cause);
  }
}

/**
 * Misconfiguration, thrown when a factory is called (never per request):
 * the message says what to fix. Status 500, as it is a server-side fault.
 */
export class ConfigError extends JwtOnceError {
  static readonly code = 'ERR_JWT_ONCE_CONFIG' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(ConfigError.code, 500, `jwt-once: ${message}`, options);
  }
}

/**
 * A DPoP proof (RFC 9449) failed a check of s4.3 (401): missing or several
 * `DPoP` headers, wrong `typ`, an algorithm outside the allow-list, a bad
 * signature, a private or malformed `jwk`, `htm`/`htu` not matching the
 * request, `iat` outside the window, `ath` or `cnf.jkt` not matching the
 * access token. Answered with `WWW-Authenticate: DPoP error="invalid_dpop_proof"`.
 */
export class DpopProofError extends JwtOnceError {
  static readonly code = 'ERR_JWT_ONCE_DPOP' as const;
  constructor(message = 'The DPoP proof is invalid', options?: { cause?: unknown }) {
    super(DpopProofError.code, 401, message, options);
  }
}

/** The DPoP proof was already presented (401): the same key, `jti` and `htu` were claimed before. */
export class ReusedDpopProofError extends JwtOnceError {
  static readonly code = 'ERR_JWT_ONCE_DPOP_REUSED' as const;
  constructor(message = 'The DPoP proof has already been used', options?: { cause?: unknown }) {
    super(ReusedDpopProofError.code, 401, message, options);
  }
}

/**
 * The server requires a DPoP nonce and the proof carries none or a stale one
 * (401, RFC 9449 s8): answered with `WWW-Authenticate: DPoP error="use_dpop_nonce"`
 * and the fresh nonce in a `DPoP-Nonce` header.
 */
export class DpopNonceError extends JwtOnceError {
  static readonly code = 'ERR_JWT_ONCE_DPOP_NONCE' as const;
  /** The nonce the client must put in its next proof, sent as `DPoP-Nonce`. */
  readonly nonce: string | undefined;
  constructor(message = 'The DPoP proof must carry the server nonce', options?: { cause?: unknown; nonce?: string }) {
    super(DpopNonceError.code, 401, message, options);
    this.nonce = options?.nonce;
  }
}

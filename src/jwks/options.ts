import type { JwksUnavailableError } from '../errors.js';

/**
 * Options of {@link jwks}: where the key sets are (`uri`, or `issuers`) and
 * how long they are trusted. Durations are in milliseconds.
 *
 * @example
 * const options: JwksOptions = {
 *   issuers: { 'https://idp.example': 'https://idp.example/.well-known/jwks.json' },
 *   ttl: 300_000, // refetch every 5 minutes unless Cache-Control says otherwise
 * };
 */
export interface JwksOptions {
  /**
   * The one key set every token is verified against, e.g.
   * `https://idp.example/.well-known/jwks.json`. Give `uri` or `issuers`, not both.
   * With `uri` the token's `iss` is not looked at: set the claim option `issuer` to check it.
   * @default none
   */
  uri?: string;
  /**
   * The accepted issuers, each with the URL of its key set:
   * `{ 'https://idp.example': 'https://idp.example/.well-known/jwks.json' }`.
   * A token's `iss` picks its key set, and an `iss` not listed is refused
   * (401): a token never makes jwt-once fetch a URL it names.
   * @default none
   */
  issuers?: Readonly<Record<string, string>>;
  /**
   * How long a fetched key set is used before it is fetched again, when its
   * response has no `Cache-Control: max-age` (which, when present, replaces it,
   * kept between `cooldown` and one day).
   * @default 600_000 (10 minutes)
   */
  ttl?: number;
  /**
   * Least time between two fetches of one key set caused by tokens whose `kid`
   * it lacks. Within it, such a token is refused (401) without a fetch.
   * @default 30_000 (30 seconds)
   */
  cooldown?: number;
  /**
   * How long after its `ttl` ran out a key set is still used while it cannot be
   * fetched (the server down, slow or answering garbage). Beyond it, tokens are
   * refused with a 503 until a fetch succeeds. `0` serves no stale keys.
   * @default 3_600_000 (one hour)
   */
  maxStale?: number;
  /** Most time one fetch (connection, headers and body) may take before it counts as failed. @default 5_000 (5 seconds) */
  timeout?: number;
  /**
   * Allow `http:` key set URLs on hosts other than loopback (`localhost`,
   * `127.0.0.0/8`, `[::1]`, always allowed). **Unsafe**: anyone on the path
   * can then hand out keys that verify their own tokens.
   * @default false
   */
  allowHttp?: boolean;
  /**
   * Called once per failed fetch, whether a token was refused for it (503) or
   * cached keys stood in. Receives the {@link JwksUnavailableError}, whose
   * `detail` names the URL and what failed. For logs and alerts; must not
   * throw (what it throws or rejects with is ignored).
   * @default none
   * @example
   * onError: (err) => logger.warn({ code: err.code, detail: err.detail }, 'JWKS fetch failed')
   */
  onError?: (error: JwksUnavailableError) => void;
  /** Clock in epoch ms, for tests. @default Date.now */
  now?: () => number;
}

import { InvalidTokenError } from '../errors.js';
import type { SecretResolver } from '../key-input.js';
import { KeySetCache } from './cache.js';
import { checkJwksOptions } from './config.js';
import type { JwksOptions } from './options.js';

export type { JwksOptions } from './options.js';

/**
 * A `secret` that finds each token's key in a JSON Web Key Set (RFC 7517)
 * fetched over HTTPS: by the token's `kid`, among keys whose type, curve,
 * `alg` and `use` fit its `alg`. Works wherever `secret` does: `claimToken`,
 * `createClaimer` and every adapter.
 *
 * - `uri`: one key set for every token. `issuers`: one per accepted issuer,
 *   picked by the token's `iss`; a token whose `iss` is not listed is refused
 *   (401, `ERR_JWT_ONCE_INVALID`). A token never names a URL to fetch.
 * - Each set is cached for `ttl` (or its `Cache-Control: max-age`); an
 *   unknown `kid` refetches it at most once per `cooldown`, and concurrent
 *   tokens share one fetch. A `kid` still unknown is a 401.
 * - A set that cannot be fetched within `timeout` is served from the cache
 *   for up to `maxStale` past its TTL; beyond that (or with nothing cached)
 *   tokens are refused with a `JwksUnavailableError` (503,
 *   `ERR_JWT_ONCE_JWKS_UNAVAILABLE`), never accepted.
 * - Private or symmetric keys in a set refuse the whole set; RSA keys under
 *   2048 bits, `enc` keys and unsupported types are left out.
 *
 * Options are checked now: a non-https URL (other than loopback, unless
 * `allowHttp`), no or empty `issuers`, or a bad duration is a `ConfigError`.
 * Nothing is fetched before the first token.
 *
 * @param options where the key sets are and how long they are trusted, see {@link JwksOptions}.
 * @returns a key lookup function for the `secret` option (use public-key `algorithms`: RS*, PS*, ES*).
 * @example
 * import { claimToken, jwks } from 'jwt-once';
 * const secret = jwks({ issuers: { 'https://idp.example': 'https://idp.example/.well-known/jwks.json' } });
 * const claim = await claimToken(token, { secret, algorithms: ['RS256'], audience: 'api' });
 */
export function jwks(options: JwksOptions): SecretResolver {
  const { config, issuers, uri } = checkJwksOptions(options);
  if (uri !== undefined) {
    const cache = new KeySetCache(uri, config);
    return function jwksKey(header) {
      return cache.keyFor(header.alg, header.kid);
    };
  }
  // Issuers sharing a key set URL share its cache.
  const caches = new Map<string, KeySetCache>();
  const byIssuer = new Map<string, KeySetCache>();
  for (const [iss, url] of issuers!) {
    let cache = caches.get(url);
    if (cache === undefined) caches.set(url, (cache = new KeySetCache(url, config)));
    byIssuer.set(iss, cache);
  }
  return function jwksKey(header, payload) {
    const iss = payload.iss;
    const cache = typeof iss === 'string' ? byIssuer.get(iss) : undefined;
    if (cache === undefined) {
      throw new InvalidTokenError(typeof iss === 'string' ? 'The token issuer is not accepted' : 'The token has no issuer');
    }
    return cache.keyFor(header.alg, header.kid);
  };
}

import { ConfigError } from '../errors.js';

/**
 * Checks, when a store URL is opened (that is, when the middleware or
 * claimer is created), that the optional packages it needs are installed: a
 * missing one is a {@link ConfigError} at start-up that says what to
 * install, instead of a 503 on every request. The message names the scheme
 * only (never the URL: no host, no password).
 *
 * Loads them with the CommonJS build's `require`, as the store is about to;
 * where there is none (a bundle for the edge) or a package cannot be loaded
 * that way for another reason, nothing is decided here and the first claim
 * reports it (503), as before.
 *
 * @param names the packages, e.g. `['@keyv/postgres', 'pg']`.
 * @param scheme the URL scheme, for the message, e.g. `postgres`.
 * @param install what to install. @default names.join(' ')
 * @throws {ConfigError} when one of them is not installed.
 * @example
 * requirePeers(['@keyv/redis'], 'redis'); // ConfigError: jwt-once: a redis:// store needs the optional package @keyv/redis: npm install @keyv/redis
 */
export function requirePeers(names: readonly string[], scheme: string, install: string = names.join(' ')): void {
  if (typeof require !== 'function') return;
  for (const name of names) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a variable, so that bundlers leave it alone
      require(name);
    } catch (cause) {
      const code = (cause as { code?: unknown } | null)?.code;
      if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
        throw new ConfigError(`a ${scheme}:// store needs the optional package ${install}: npm install ${install}`, { cause });
      }
      // Anything else (a package require cannot load): the first claim says what failed.
    }
  }
}
